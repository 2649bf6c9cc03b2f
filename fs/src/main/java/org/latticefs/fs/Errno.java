package org.latticefs.fs;

/** The Linux errno values the filesystem returns. Values are the x86-64/aarch64 Linux numbers. */
public enum Errno {
  EPERM(1),
  ENOENT(2),
  EIO(5),
  EBADF(9),
  EACCES(13),
  EBUSY(16),
  EEXIST(17),
  EXDEV(18),
  ENOTDIR(20),
  EISDIR(21),
  EINVAL(22),
  EFBIG(27),
  ENOSPC(28),
  EROFS(30),
  EMLINK(31),
  ERANGE(34),
  ENAMETOOLONG(36),
  ENOSYS(38),
  ENOTEMPTY(39),
  ELOOP(40),
  ENODATA(61),
  E2BIG(7),
  ENOTSUP(95);

  private final int code;

  Errno(int code) {
    this.code = code;
  }

  /** The positive errno number; FUSE callbacks return its negation. */
  public int code() {
    return code;
  }
}
