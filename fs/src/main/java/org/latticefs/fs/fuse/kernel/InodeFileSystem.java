package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;

/**
 * A filesystem served through the kernel's FUSE protocol directly ({@link KernelMount}): inodes are
 * named by node ids, names are bytes.
 *
 * <h2>Node ids and lookup counts</h2>
 *
 * Node id 1 is the root. Every answer that fills an {@link Entry} (lookup, create, mknod, mkdir,
 * symlink, link, and {@link DirList#addPlus}) gives the kernel one reference to that node; {@link
 * #forget} takes {@code n} of them back, and a node with no references left (and no links) may be
 * dropped. The kernel never uses a node id it holds no reference to, except the root, which it
 * holds from mount to unmount without counting.
 *
 * <h2>Results</h2>
 *
 * Methods return 0 (or a byte count, where they say so) on success and {@code -errno} on failure;
 * an operation that returned an error has not taken effect. The defaults return {@code -ENOSYS}
 * (the kernel then stops asking, for some operations, or fails the call). An exception thrown by a
 * method never reaches the kernel: the binding logs it and answers EIO.
 *
 * <h2>Windows</h2>
 *
 * {@link Attr}, {@link Entry}, {@link Opened}, {@link StatFs}, {@link DirList}, {@link Bytes} and
 * the {@link ByteBuffer}s of read and write are lent for one call: never keep them past the return.
 *
 * <h2>Concurrency</h2>
 *
 * Calls arrive concurrently on the binding's worker threads, also for the same node and handle.
 * {@code caller} says who made the request.
 */
public interface InodeFileSystem {
  int ENOSYS = 38;

  /** Once, before the first request, with the negotiated parameters. */
  default void init(KernelConnection connection) {}

  /** Once, after the last request (the mount is gone). */
  default void destroy() {}

  /** Looks {@code name} up in directory {@code parent}; fills {@code entry} (one reference). */
  default int lookup(Caller caller, long parent, byte[] name, Entry entry) {
    return -ENOSYS;
  }

  /** The kernel drops {@code n} references to {@code node}. No answer; must not fail. */
  default void forget(long node, long n) {}

  /** Fills {@code attr} for {@code node}; {@code fh} is the open file's handle, or -1. */
  default int getattr(Caller caller, long node, long fh, Attr attr) {
    return -ENOSYS;
  }

  /** Changes what {@code change} says and fills {@code attr} with the result. */
  default int setattr(Caller caller, long node, SetAttr change, Attr attr) {
    return -ENOSYS;
  }

  /** The symlink's target: {@code target.set(bytes)}. */
  default int readlink(Caller caller, long node, Bytes target) {
    return -ENOSYS;
  }

  /** Creates a non-directory node ({@code mode} holds the type); umask already applied. */
  default int mknod(Caller caller, long parent, byte[] name, int mode, int rdev, Entry entry) {
    return -ENOSYS;
  }

  /** Creates a directory; umask already applied to {@code mode}. */
  default int mkdir(Caller caller, long parent, byte[] name, int mode, Entry entry) {
    return -ENOSYS;
  }

  default int unlink(Caller caller, long parent, byte[] name) {
    return -ENOSYS;
  }

  default int rmdir(Caller caller, long parent, byte[] name) {
    return -ENOSYS;
  }

  /** Creates symlink {@code name} in {@code parent} pointing to {@code target}. */
  default int symlink(Caller caller, long parent, byte[] name, byte[] target, Entry entry) {
    return -ENOSYS;
  }

  /**
   * Renames; {@code flags} is 0 or {@code RENAME_NOREPLACE} (1) / {@code RENAME_EXCHANGE} (2),
   * which a filesystem that does not support them answers with EINVAL.
   */
  default int rename(
      Caller caller, long parent, byte[] name, long newParent, byte[] newName, int flags) {
    return -ENOSYS;
  }

  /** Creates the hard link {@code newName} in {@code newParent} to {@code node}. */
  default int link(Caller caller, long node, long newParent, byte[] newName, Entry entry) {
    return -ENOSYS;
  }

  /** Opens {@code node} with {@code flags} ({@code O_*}); fills the handle. */
  default int open(Caller caller, long node, int flags, Opened opened) {
    return -ENOSYS;
  }

  /**
   * Creates and opens regular file {@code name} ({@code mode}: {@code S_IFREG} and permission bits,
   * umask applied; {@code flags} may hold {@code O_EXCL}); fills both windows.
   */
  default int create(
      Caller caller, long parent, byte[] name, int mode, int flags, Entry entry, Opened opened) {
    return -ENOSYS;
  }

  /**
   * Reads up to {@code dst.remaining()} bytes at {@code offset} into {@code dst}; returns how many
   * (fewer means end of file).
   */
  default int read(Caller caller, long node, long fh, long offset, ByteBuffer dst) {
    return -ENOSYS;
  }

  /** Writes all of {@code src} (read-only) at {@code offset}; returns how many bytes. */
  default int write(Caller caller, long node, long fh, long offset, ByteBuffer src) {
    return -ENOSYS;
  }

  /** At every {@code close(2)} of a descriptor: the place to report write-back errors. */
  default int flush(Caller caller, long node, long fh) {
    return -ENOSYS;
  }

  /** The last descriptor of the open file is gone. The result is not sent anywhere. */
  default int release(long node, long fh, int flags) {
    return 0;
  }

  default int fsync(Caller caller, long node, long fh, boolean dataOnly) {
    return -ENOSYS;
  }

  default int opendir(Caller caller, long node, int flags, Opened opened) {
    return 0;
  }

  /** Lists {@code node} from {@code offset} (0: the start) into {@code list}. */
  default int readdir(Caller caller, long node, long fh, long offset, DirList list) {
    return -ENOSYS;
  }

  default int releasedir(long node, long fh) {
    return 0;
  }

  default int fsyncdir(Caller caller, long node, long fh, boolean dataOnly) {
    return -ENOSYS;
  }

  default int statfs(Caller caller, long node, StatFs stat) {
    return -ENOSYS;
  }

  /** {@code access(2)}; not asked with {@code default_permissions}. */
  default int access(Caller caller, long node, int mask) {
    return -ENOSYS;
  }

  /** Sets an extended attribute; {@code flags}: {@code XATTR_CREATE} 1, {@code XATTR_REPLACE} 2. */
  default int setxattr(Caller caller, long node, byte[] name, ByteBuffer value, int flags) {
    return -ENOSYS;
  }

  /** An extended attribute's value: {@code value.set(bytes)} (the binding handles sizes). */
  default int getxattr(Caller caller, long node, byte[] name, Bytes value) {
    return -ENOSYS;
  }

  /** The names of the extended attributes, each followed by NUL, concatenated. */
  default int listxattr(Caller caller, long node, Bytes names) {
    return -ENOSYS;
  }

  default int removexattr(Caller caller, long node, byte[] name) {
    return -ENOSYS;
  }

  default int fallocate(Caller caller, long node, long fh, int mode, long offset, long length) {
    return -ENOSYS;
  }
}
