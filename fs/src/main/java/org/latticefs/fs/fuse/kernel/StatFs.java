package org.latticefs.fs.fuse.kernel;

/**
 * The answer to statfs ({@code struct fuse_kstatfs}): a mutable window the binding owns and reuses
 * per request; all zero unless set.
 */
public final class StatFs {
  long blocks;
  long bfree;
  long bavail;
  long files;
  long ffree;
  int bsize;
  int namelen;
  int frsize;

  StatFs clear() {
    blocks = bfree = bavail = files = ffree = 0;
    bsize = namelen = frsize = 0;
    return this;
  }

  /** Sizes in blocks of {@code blockSize} bytes. */
  public StatFs blocks(int blockSize, long total, long free, long available) {
    this.bsize = blockSize;
    this.frsize = blockSize;
    this.blocks = total;
    this.bfree = free;
    this.bavail = available;
    return this;
  }

  public StatFs files(long total, long free) {
    this.files = total;
    this.ffree = free;
    return this;
  }

  public StatFs nameMax(int namelen) {
    this.namelen = namelen;
    return this;
  }

  void encode(Out out) {
    out.u64(blocks).u64(bfree).u64(bavail).u64(files).u64(ffree);
    out.u32(bsize).u32(namelen).u32(frsize).u32(0).zeros(24);
  }
}
