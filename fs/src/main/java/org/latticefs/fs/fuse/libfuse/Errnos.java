package org.latticefs.fs.fuse.libfuse;

/**
 * The few Linux errno values the binding itself answers with (the same numbers on x86_64 and
 * aarch64: {@code asm-generic/errno-base.h} and {@code errno.h}).
 */
final class Errnos {
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int E2BIG = 7;
  static final int EINVAL = 22;
  static final int ERANGE = 34;
  static final int ENAMETOOLONG = 36;
  static final int ENOSYS = 38;

  /** The largest errno value: results in {@code [-MAX_ERRNO, -1]} are errors. */
  static final int MAX_ERRNO = 4095;

  private Errnos() {}
}
