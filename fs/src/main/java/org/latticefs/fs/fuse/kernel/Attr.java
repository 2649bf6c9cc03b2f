package org.latticefs.fs.fuse.kernel;

/**
 * The attributes of one inode ({@code struct fuse_attr}) as a filesystem fills them in answer to a
 * request: a mutable window the binding owns and reuses per request (never keep it). Fields the
 * filesystem does not set are 0; times are seconds and nanoseconds since the epoch.
 */
public final class Attr {
  long ino;
  long size;
  long blocks;
  long atime;
  long mtime;
  long ctime;
  int atimeNsec;
  int mtimeNsec;
  int ctimeNsec;
  int mode;
  int nlink;
  int uid;
  int gid;
  int rdev;
  int blksize;

  /** Clears every field (the binding does so before each use). */
  public Attr clear() {
    ino = size = blocks = atime = mtime = ctime = 0;
    atimeNsec = mtimeNsec = ctimeNsec = mode = nlink = uid = gid = rdev = blksize = 0;
    return this;
  }

  /** Inode number, type and permission bits ({@code st_mode}), link count, owner. */
  public Attr set(long ino, int mode, int nlink, int uid, int gid) {
    this.ino = ino;
    this.mode = mode;
    this.nlink = nlink;
    this.uid = uid;
    this.gid = gid;
    return this;
  }

  /** Size in bytes and 512-byte blocks allocated. */
  public Attr size(long size, long blocks) {
    this.size = size;
    this.blocks = blocks;
    return this;
  }

  public Attr rdev(int rdev) {
    this.rdev = rdev;
    return this;
  }

  public Attr blksize(int blksize) {
    this.blksize = blksize;
    return this;
  }

  public Attr atime(long sec, int nsec) {
    atime = sec;
    atimeNsec = nsec;
    return this;
  }

  public Attr mtime(long sec, int nsec) {
    mtime = sec;
    mtimeNsec = nsec;
    return this;
  }

  public Attr ctime(long sec, int nsec) {
    ctime = sec;
    ctimeNsec = nsec;
    return this;
  }

  public long ino() {
    return ino;
  }

  public int mode() {
    return mode;
  }

  public long size() {
    return size;
  }

  /** Writes {@code struct fuse_attr} (88 bytes). */
  void encode(Out out) {
    out.u64(ino).u64(size).u64(blocks).u64(atime).u64(mtime).u64(ctime);
    out.u32(atimeNsec).u32(mtimeNsec).u32(ctimeNsec).u32(mode).u32(nlink);
    out.u32(uid).u32(gid).u32(rdev).u32(blksize).u32(0);
  }
}
