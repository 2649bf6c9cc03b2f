package org.latticefs.fs.fuse.kernel;

/**
 * The numbers of the kernel's FUSE protocol ({@code linux/fuse.h}, version 7): opcodes, flags and
 * the sizes of the structures this binding reads and writes (x86_64 and aarch64 lay them out alike:
 * every field is naturally aligned and explicitly padded). {@code KernelAbiTest} checks the sizes
 * against the C compiler where one is installed.
 */
final class Abi {
  private Abi() {}

  static final int KERNEL_VERSION = 7;

  /** The newest minor version this binding speaks; it answers INIT with the smaller of two. */
  static final int KERNEL_MINOR = 38;

  /** The oldest minor version it accepts (7.31: max_pages, the 64-byte fuse_init_out). */
  static final int MIN_MINOR = 31;

  // Opcodes.
  static final int LOOKUP = 1;
  static final int FORGET = 2;
  static final int GETATTR = 3;
  static final int SETATTR = 4;
  static final int READLINK = 5;
  static final int SYMLINK = 6;
  static final int MKNOD = 8;
  static final int MKDIR = 9;
  static final int UNLINK = 10;
  static final int RMDIR = 11;
  static final int RENAME = 12;
  static final int LINK = 13;
  static final int OPEN = 14;
  static final int READ = 15;
  static final int WRITE = 16;
  static final int STATFS = 17;
  static final int RELEASE = 18;
  static final int FSYNC = 20;
  static final int SETXATTR = 21;
  static final int GETXATTR = 22;
  static final int LISTXATTR = 23;
  static final int REMOVEXATTR = 24;
  static final int FLUSH = 25;
  static final int INIT = 26;
  static final int OPENDIR = 27;
  static final int READDIR = 28;
  static final int RELEASEDIR = 29;
  static final int FSYNCDIR = 30;
  static final int ACCESS = 34;
  static final int CREATE = 35;
  static final int INTERRUPT = 36;
  static final int DESTROY = 38;
  static final int BATCH_FORGET = 42;
  static final int FALLOCATE = 43;
  static final int READDIRPLUS = 44;
  static final int RENAME2 = 45;

  // Notification codes (fuse_out_header.error of a message with unique 0).
  static final int NOTIFY_INVAL_INODE = 2;
  static final int NOTIFY_INVAL_ENTRY = 3;

  // INIT flags.
  static final int ASYNC_READ = 1;
  static final int ATOMIC_O_TRUNC = 1 << 3;
  static final int BIG_WRITES = 1 << 5;
  static final int DONT_MASK = 1 << 6;
  static final int AUTO_INVAL_DATA = 1 << 12;
  static final int DO_READDIRPLUS = 1 << 13;
  static final int READDIRPLUS_AUTO = 1 << 14;
  static final int ASYNC_DIO = 1 << 15;
  static final int PARALLEL_DIROPS = 1 << 18;
  static final int MAX_PAGES = 1 << 22;

  // setattr valid bits.
  static final int FATTR_MODE = 1;
  static final int FATTR_UID = 1 << 1;
  static final int FATTR_GID = 1 << 2;
  static final int FATTR_SIZE = 1 << 3;
  static final int FATTR_ATIME = 1 << 4;
  static final int FATTR_MTIME = 1 << 5;
  static final int FATTR_FH = 1 << 6;
  static final int FATTR_ATIME_NOW = 1 << 7;
  static final int FATTR_MTIME_NOW = 1 << 8;

  /** fuse_getattr_in.getattr_flags: fh is valid. */
  static final int GETATTR_FH = 1;

  // open_out flags.
  static final int FOPEN_DIRECT_IO = 1;
  static final int FOPEN_KEEP_CACHE = 2;

  // Structure sizes.
  static final int IN_HEADER = 40;
  static final int OUT_HEADER = 16;
  static final int ATTR = 88;
  static final int ENTRY_OUT = 128;
  static final int ATTR_OUT = 104;
  static final int OPEN_OUT = 16;
  static final int WRITE_OUT = 8;
  static final int STATFS_OUT = 80;
  static final int INIT_OUT = 64;
  static final int DIRENT = 24;
  static final int READ_IN = 40;
  static final int WRITE_IN = 40;
  static final int SETATTR_IN = 88;
  static final int CREATE_IN = 16;
  static final int MKNOD_IN = 16;
  static final int INIT_IN_MIN = 16;

  /** The longest name the kernel sends ({@code FUSE_NAME_MAX}). */
  static final int NAME_MAX = 1024;

  /** The longest symlink target accepted (a page, as the kernel's own limit). */
  static final int SYMLINK_MAX = 4096;
}
