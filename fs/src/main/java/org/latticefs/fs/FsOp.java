package org.latticefs.fs;

import java.util.Locale;

/**
 * The FUSE operations the mount answers, a fixed set: what an {@link FsObserver} is told about, and
 * the bounded {@code op} label of the FUSE metrics ({@link #label()}).
 */
public enum FsOp {
  GETATTR,
  FGETATTR,
  ACCESS,
  READLINK,
  MKNOD,
  MKDIR,
  UNLINK,
  RMDIR,
  SYMLINK,
  RENAME,
  LINK,
  CHMOD,
  CHOWN,
  TRUNCATE,
  FTRUNCATE,
  UTIMENS,
  OPEN,
  CREATE,
  READ,
  WRITE,
  STATFS,
  FLUSH,
  RELEASE,
  FSYNC,
  SETXATTR,
  GETXATTR,
  LISTXATTR,
  REMOVEXATTR,
  OPENDIR,
  READDIR,
  RELEASEDIR,
  FSYNCDIR;

  private final String label = name().toLowerCase(Locale.ROOT);

  /** The operation's libfuse name in lower case ({@code getattr}, {@code read}, …). */
  public String label() {
    return label;
  }
}
