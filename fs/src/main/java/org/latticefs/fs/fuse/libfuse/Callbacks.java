package org.latticefs.fs.fuse.libfuse;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.Delegate;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;

/**
 * The C signatures of the {@code fuse_operations} members this binding registers, as jnr-ffi
 * callback interfaces, one per shape (the operations that share a shape share an interface).
 *
 * <p>Every {@code const char *} (paths, names, targets) is a raw {@link Pointer}: the dispatcher
 * reads its bytes, so no charset ever decodes a name. {@code mode_t}, {@code uid_t} and {@code
 * gid_t} are 32-bit ({@code int}); {@code dev_t}, {@code size_t} and {@code off_t} are 64-bit on
 * the 64-bit Linux targets this binding supports ({@code long}). A NULL pointer arrives as null.
 *
 * <p>The interfaces are public because jnr-ffi implements each one's native trampoline in a class
 * of its own class loader, which must be able to reach them; the enclosing class keeps them out of
 * the package's API.
 */
final class Callbacks {
  private Callbacks() {}

  /** {@code int (*)(const char *)}: unlink, rmdir. */
  public interface Path {
    @Delegate
    int call(Pointer path);
  }

  /**
   * {@code int (*)(const char *, const char *)} and {@code int (*)(const char *, T *)}: symlink,
   * rename, link, removexattr (two strings); getattr, statfs, utimens (a path and a structure).
   */
  public interface PathPointer {
    @Delegate
    int call(Pointer path, Pointer other);
  }

  /**
   * {@code int (*)(const char *, mode_t)} and {@code int (*)(const char *, int)}: mkdir, chmod,
   * access.
   */
  public interface PathMode {
    @Delegate
    int call(Pointer path, int mode);
  }

  /** {@code int (*)(const char *, mode_t, dev_t)}: mknod. */
  public interface Mknod {
    @Delegate
    int call(Pointer path, int mode, long rdev);
  }

  /** {@code int (*)(const char *, uid_t, gid_t)}: chown. */
  public interface Chown {
    @Delegate
    int call(Pointer path, int uid, int gid);
  }

  /** {@code int (*)(const char *, off_t)}: truncate. */
  public interface Truncate {
    @Delegate
    int call(Pointer path, @off_t long size);
  }

  /** {@code int (*)(const char *, char *, size_t)}: readlink, listxattr. */
  public interface PathBuffer {
    @Delegate
    int call(Pointer path, Pointer buf, @size_t long size);
  }

  /**
   * {@code int (*)(const char *, struct fuse_file_info *)}: open, flush, release, opendir,
   * releasedir.
   */
  public interface PathInfo {
    @Delegate
    int call(Pointer path, Pointer fi);
  }

  /** {@code int (*)(const char *, mode_t, struct fuse_file_info *)}: create. */
  public interface Create {
    @Delegate
    int call(Pointer path, int mode, Pointer fi);
  }

  /** {@code int (*)(const char *, char *, size_t, off_t, struct fuse_file_info *)}: read, write. */
  public interface ReadWrite {
    @Delegate
    int call(Pointer path, Pointer buf, @size_t long size, @off_t long offset, Pointer fi);
  }

  /** {@code int (*)(const char *, int, struct fuse_file_info *)}: fsync, fsyncdir. */
  public interface Fsync {
    @Delegate
    int call(Pointer path, int datasync, Pointer fi);
  }

  /** {@code int (*)(const char *, const char *, const char *, size_t, int)}: setxattr. */
  public interface Setxattr {
    @Delegate
    int call(Pointer path, Pointer name, Pointer value, @size_t long size, int flags);
  }

  /** {@code int (*)(const char *, const char *, char *, size_t)}: getxattr. */
  public interface Getxattr {
    @Delegate
    int call(Pointer path, Pointer name, Pointer value, @size_t long size);
  }

  /**
   * {@code int (*)(const char *, void *, fuse_fill_dir_t, off_t, struct fuse_file_info *)}:
   * readdir.
   */
  public interface Readdir {
    @Delegate
    int call(Pointer path, Pointer buf, Pointer filler, @off_t long offset, Pointer fi);
  }

  /** {@code void *(*)(struct fuse_conn_info *)}: init. */
  public interface Init {
    @Delegate
    Pointer call(Pointer conn);
  }

  /** {@code void (*)(void *)}: destroy. */
  public interface Destroy {
    @Delegate
    void call(Pointer privateData);
  }

  /** {@code int (*)(const char *, off_t, struct fuse_file_info *)}: ftruncate. */
  public interface Ftruncate {
    @Delegate
    int call(Pointer path, @off_t long size, Pointer fi);
  }

  /** {@code int (*)(const char *, struct stat *, struct fuse_file_info *)}: fgetattr. */
  public interface Fgetattr {
    @Delegate
    int call(Pointer path, Pointer stat, Pointer fi);
  }

  /** {@code int (*)(const char *, int, off_t, off_t, struct fuse_file_info *)}: fallocate. */
  public interface Fallocate {
    @Delegate
    int call(Pointer path, int mode, @off_t long offset, @off_t long length, Pointer fi);
  }
}
