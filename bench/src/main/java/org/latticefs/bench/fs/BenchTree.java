package org.latticefs.bench.fs;

import java.util.function.Consumer;

/**
 * The operations a measuring-stick filesystem shares whatever its storage ({@link MemoryTree},
 * {@link PassthroughTree}), so that each binding adapts them once ({@link JnrTreeFs} for jnr-fuse,
 * bench/jfuse's {@code JfuseTree} for jfuse). Results follow FUSE: 0, a count or a handle on
 * success, a negative Linux errno on failure; nothing throws.
 */
public interface BenchTree {
  /** File type bits of {@link Attrs#mode()} (Linux {@code S_IFDIR}, {@code S_IFREG}). */
  int S_IFDIR = 0040000;

  int S_IFREG = 0100000;

  /**
   * Attributes of a file or directory: {@code mode} with its type bits, times in nanoseconds since
   * the epoch.
   */
  record Attrs(
      int mode,
      long ino,
      int nlink,
      int uid,
      int gid,
      long size,
      long mtime,
      long atime,
      long ctime) {}

  /** Hands {@code path}'s attributes (not following a symbolic link) to {@code out}. */
  int stat(String path, Consumer<Attrs> out);

  /** Creates the file {@code path} and opens it: a handle (> 0) or a negative errno. */
  long create(String path, long mode);

  /** Opens {@code path}: a handle (> 0) or a negative errno. */
  long open(String path);

  int release(long fh);

  /** Truncates or extends the file open as {@code fh} if that handle is open, else {@code path}. */
  int truncate(String path, long fh, long size);

  /** Sets {@code path}'s modification time, in nanoseconds since the epoch. */
  int setMtime(String path, long nanos);

  int mkdir(String path, long mode);

  int unlink(String path);

  int rmdir(String path);

  /**
   * Hands {@code .}, {@code ..} and every entry name of the directory {@code path} to {@code out}.
   */
  int list(String path, Consumer<String> out);
}
