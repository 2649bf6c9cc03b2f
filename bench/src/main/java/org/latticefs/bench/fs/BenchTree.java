package org.latticefs.bench.fs;

import java.util.function.Consumer;

/**
 * The operations a measuring-stick filesystem shares whatever its storage ({@link MemoryTree},
 * {@link PassthroughTree}), so that each binding adapts them once ({@link JnrTreeFs} for jnr-fuse,
 * bench/jfuse's {@code JfuseTree} for jfuse). Results follow FUSE: 0, a count or a handle on
 * success, a negative Linux errno on failure; nothing throws.
 */
public interface BenchTree {
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
