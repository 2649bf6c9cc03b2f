package org.latticefs.fs;

/**
 * Told of every FUSE request the mount answered: which operation, its answer, how long the
 * filesystem took. It is how node measures the mount (request counts, latency, bytes read and
 * written) without fs knowing any metrics API.
 *
 * <p>Called on the FUSE thread that served the request, after the answer is known and before it
 * goes back to the kernel, for every request, from many threads at once: it must be thread-safe,
 * cheap (no lock, no allocation, no I/O: the caller is waiting in the kernel) and must not throw
 * (what it throws is ignored and the answer stands).
 */
@FunctionalInterface
public interface FsObserver {
  /** Observes nothing: the default. */
  FsObserver NONE = (op, result, nanos) -> {};

  /**
   * @param op the operation
   * @param result the answer: 0 or more is success ({@link FsOp#READ} and {@link FsOp#WRITE}: the
   *     bytes read or written), a negative value is {@code -errno} (see {@link Errno})
   * @param nanos how long the filesystem took to answer, in nanoseconds
   */
  void answered(FsOp op, int result, long nanos);
}
