package org.latticefs.fs.fuse.libfuse;

import java.nio.ByteBuffer;

/**
 * A filesystem served through libfuse2's high-level, path-based API, with every name as bytes.
 *
 * <h2>Paths and names</h2>
 *
 * A path is the bytes libfuse hands over, from the mount root: {@code /} for the root, {@code
 * /dir/caf\xe9.txt} for a file, never with a trailing slash, never decoded by any charset (Linux
 * names are bytes; two names that differ in one byte are two files). Arrays passed in belong to the
 * callee. Where a method says "path may be null", libfuse passes NULL when the open file has no
 * name any more (unlinked while open with {@code -o hard_remove}), or always when mounted with
 * {@link MountOptions#nopath()}.
 *
 * <h2>Results</h2>
 *
 * Every method returns 0 (or a byte count, where it says so) on success and {@code -errno} on
 * failure; an operation that returns an error must not have taken effect. The defaults return
 * {@code -ENOSYS} (38), and only methods a filesystem overrides are registered with libfuse, which
 * answers the others itself (with ENOSYS, or a fallback: {@code fgetattr} falls back to {@code
 * getattr}, {@code ftruncate} to {@code truncate}, and without {@code create} the kernel uses
 * {@code mknod} and {@code open}). An exception thrown by a method never reaches native code: the
 * binding logs it and answers {@code -EIO}; a positive result where only a status is expected is
 * answered {@code -EIO} too.
 *
 * <h2>Buffers</h2>
 *
 * {@link Stat}, {@link StatVfs}, {@link FileInfo}, {@link ReplyBuffer}, {@link DirFiller} and the
 * {@link ByteBuffer}s of {@code read}, {@code write} and {@code setxattr} are windows onto native
 * memory that libfuse lends for the duration of one call: never keep them, or a view of them, past
 * the return.
 *
 * <h2>Concurrency</h2>
 *
 * Calls arrive concurrently on several threads (the binding's workers), also for the same file and
 * handle; implementations must be thread-safe. Which thread serves a request is arbitrary: keep no
 * per-request state in thread-locals. {@link RequestContext#current()} tells who made the request.
 */
public interface RawFileSystem {

  /** Once, before the first request: the connection's parameters, some of them adjustable. */
  default void init(ConnectionInfo connection) {}

  /** Once, after the last request, when the mount is gone (only if {@code init} ran). */
  default void destroy() {}

  /** Fills {@code stat} for {@code path} (not following a final symlink). */
  default int getattr(byte[] path, Stat stat) {
    return -Errnos.ENOSYS;
  }

  /** {@code fstat} of an open file; path may be null. */
  default int fgetattr(byte[] path, Stat stat, long fh) {
    return -Errnos.ENOSYS;
  }

  /**
   * {@code access(2)}: whether the caller may access {@code path} with {@code mask} ({@code F_OK}
   * 0, or {@code R_OK} 4 | {@code W_OK} 2 | {@code X_OK} 1). Not called with {@code
   * default_permissions}, where the kernel decides from the modes.
   */
  default int access(byte[] path, int mask) {
    return -Errnos.ENOSYS;
  }

  /** The target of the symlink at {@code path}: {@code return target.replyLink(bytes);}. */
  default int readlink(byte[] path, ReplyBuffer target) {
    return -Errnos.ENOSYS;
  }

  /**
   * Creates a non-directory node: {@code mode} holds the type ({@link Stat#S_IFREG}, {@code
   * S_IFIFO}, {@code S_IFCHR}, {@code S_IFBLK}, {@code S_IFSOCK}) and the permission bits; {@code
   * rdev} the device number of a character or block device.
   */
  default int mknod(byte[] path, int mode, long rdev) {
    return -Errnos.ENOSYS;
  }

  /** Creates a directory; {@code mode} holds the permission bits (and {@code S_ISVTX}). */
  default int mkdir(byte[] path, int mode) {
    return -Errnos.ENOSYS;
  }

  default int unlink(byte[] path) {
    return -Errnos.ENOSYS;
  }

  default int rmdir(byte[] path) {
    return -Errnos.ENOSYS;
  }

  /** Creates a symlink at {@code linkPath} whose target is the bytes {@code target}. */
  default int symlink(byte[] target, byte[] linkPath) {
    return -Errnos.ENOSYS;
  }

  /** Renames, replacing an existing {@code to} as {@code rename(2)} does. */
  default int rename(byte[] from, byte[] to) {
    return -Errnos.ENOSYS;
  }

  /** Creates the hard link {@code newPath} to {@code existing}. */
  default int link(byte[] existing, byte[] newPath) {
    return -Errnos.ENOSYS;
  }

  default int chmod(byte[] path, int mode) {
    return -Errnos.ENOSYS;
  }

  /** Changes the owner; {@code -1} for either id leaves it unchanged. */
  default int chown(byte[] path, int uid, int gid) {
    return -Errnos.ENOSYS;
  }

  default int truncate(byte[] path, long size) {
    return -Errnos.ENOSYS;
  }

  /** {@code ftruncate} of an open file; path may be null. */
  default int ftruncate(byte[] path, long size, long fh) {
    return -Errnos.ENOSYS;
  }

  /**
   * Sets the access and modification times, each of which may be {@link TimeSpec#isOmit() omitted}
   * (leave it as it is) or {@link TimeSpec#isNow() now}.
   */
  default int utimens(byte[] path, TimeSpec atime, TimeSpec mtime) {
    return -Errnos.ENOSYS;
  }

  /** Opens a file; {@code fi} carries the flags in and the handle (and cache choices) out. */
  default int open(byte[] path, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /**
   * Creates and opens a regular file ({@code mode}: {@code S_IFREG} and the permission bits; {@code
   * fi.flags()} may hold {@code O_EXCL}).
   */
  default int create(byte[] path, int mode, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst} and returns how
   * many; fewer means end of file (unless the file was opened with direct I/O). Path may be null.
   */
  default int read(byte[] path, ByteBuffer dst, long offset, long fh) {
    return -Errnos.ENOSYS;
  }

  /**
   * Writes {@code src}'s bytes at {@code offset} and returns how many were written (all of them, or
   * the caller sees a short write). {@code src} is read-only by contract. Path may be null.
   */
  default int write(byte[] path, ByteBuffer src, long offset, long fh) {
    return -Errnos.ENOSYS;
  }

  /** Filesystem statistics ({@code df}). */
  default int statfs(byte[] path, StatVfs stat) {
    return -Errnos.ENOSYS;
  }

  /**
   * Called at every {@code close(2)} of a descriptor of the open file (several per open with {@code
   * dup}); the place to report write-back errors. Path may be null.
   */
  default int flush(byte[] path, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /** The last descriptor of an open file is gone; the result is ignored. Path may be null. */
  default int release(byte[] path, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /** Makes the file's data (and unless {@code dataOnly} its metadata) durable. Path may be null. */
  default int fsync(byte[] path, boolean dataOnly, long fh) {
    return -Errnos.ENOSYS;
  }

  /**
   * Sets an extended attribute; {@code flags} is 0, {@code XATTR_CREATE} (1) or {@code
   * XATTR_REPLACE} (2). {@code value} is read-only by contract.
   */
  default int setxattr(byte[] path, byte[] name, ByteBuffer value, int flags) {
    return -Errnos.ENOSYS;
  }

  /** An extended attribute's value: {@code return value.replyValue(bytes);}. */
  default int getxattr(byte[] path, byte[] name, ReplyBuffer value) {
    return -Errnos.ENOSYS;
  }

  /** The extended attributes' names: {@code return list.replyNames(names);}. */
  default int listxattr(byte[] path, ReplyBuffer list) {
    return -Errnos.ENOSYS;
  }

  default int removexattr(byte[] path, byte[] name) {
    return -Errnos.ENOSYS;
  }

  /** Opens a directory for listing; the handle set in {@code fi} reaches readdir and releasedir. */
  default int opendir(byte[] path, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /** Lists a directory from {@code offset} (see {@link DirFiller} for the two offset modes). */
  default int readdir(byte[] path, DirFiller filler, long offset, long fh) {
    return -Errnos.ENOSYS;
  }

  /** The directory handle is closed; path may be null. */
  default int releasedir(byte[] path, FileInfo fi) {
    return -Errnos.ENOSYS;
  }

  /** {@code fsync} of a directory; path may be null. */
  default int fsyncdir(byte[] path, boolean dataOnly, long fh) {
    return -Errnos.ENOSYS;
  }

  /**
   * Allocates (or with {@code mode} flags such as {@code FALLOC_FL_PUNCH_HOLE}, deallocates) the
   * range; path may be null.
   */
  default int fallocate(byte[] path, int mode, long offset, long length, long fh) {
    return -Errnos.ENOSYS;
  }
}
