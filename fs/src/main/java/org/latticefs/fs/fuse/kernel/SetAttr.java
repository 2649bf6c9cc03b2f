package org.latticefs.fs.fuse.kernel;

/**
 * What a setattr request changes ({@code struct fuse_setattr_in}): only the fields whose {@code
 * has…} method is true are to be changed. {@code fh} is the open file's handle when the request
 * came through one ({@code ftruncate}, {@code fchmod}), else -1.
 */
public record SetAttr(
    int valid,
    long fh,
    long size,
    long atime,
    int atimeNsec,
    long mtime,
    int mtimeNsec,
    int mode,
    int uid,
    int gid) {

  public boolean hasMode() {
    return (valid & Abi.FATTR_MODE) != 0;
  }

  public boolean hasUid() {
    return (valid & Abi.FATTR_UID) != 0;
  }

  public boolean hasGid() {
    return (valid & Abi.FATTR_GID) != 0;
  }

  public boolean hasSize() {
    return (valid & Abi.FATTR_SIZE) != 0;
  }

  /** The access time is to be set: to {@link #atime()} or, if {@link #atimeNow()}, to now. */
  public boolean hasAtime() {
    return (valid & Abi.FATTR_ATIME) != 0;
  }

  public boolean atimeNow() {
    return (valid & Abi.FATTR_ATIME_NOW) != 0;
  }

  public boolean hasMtime() {
    return (valid & Abi.FATTR_MTIME) != 0;
  }

  public boolean mtimeNow() {
    return (valid & Abi.FATTR_MTIME_NOW) != 0;
  }
}
