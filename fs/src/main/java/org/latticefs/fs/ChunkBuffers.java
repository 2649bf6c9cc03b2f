package org.latticefs.fs;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Reusable buffers for whole chunks of sequential reads, in power-of-two sizes from 64 KiB to 1
 * MiB, so a stream does not allocate (and the JVM zero and later collect) a new array per chunk.
 * Each size keeps at most {@link #BYTES_PER_SIZE} bytes of idle buffers; beyond that a given-back
 * buffer is left to the garbage collector. Thread-safe.
 *
 * <p>A buffer is handed out as a {@link Lease}, counted by its users: it goes back only when the
 * last one lets go, so no read ever copies from a buffer that another chunk's fetch is already
 * filling.
 */
final class ChunkBuffers {
  /** The smallest buffer. */
  static final int MIN_SIZE = 64 * 1024;

  /** The largest buffer: chunks longer than this are not pooled. */
  static final int MAX_SIZE = 1 << 20;

  /** Idle bytes kept per buffer size. */
  static final int BYTES_PER_SIZE = 16 << 20;

  private static final int CLASSES =
      Integer.numberOfTrailingZeros(MAX_SIZE) - Integer.numberOfTrailingZeros(MIN_SIZE) + 1;

  @SuppressWarnings("unchecked")
  private final ConcurrentLinkedQueue<byte[]>[] free = new ConcurrentLinkedQueue[CLASSES];

  private final AtomicInteger[] idle = new AtomicInteger[CLASSES];

  ChunkBuffers() {
    for (int i = 0; i < CLASSES; i++) {
      free[i] = new ConcurrentLinkedQueue<>();
      idle[i] = new AtomicInteger();
    }
  }

  /**
   * A buffer of at least {@code length} bytes, with one user (the caller).
   *
   * @throws IllegalArgumentException if {@code length} is over {@link #MAX_SIZE}
   */
  Lease take(int length) {
    if (length > MAX_SIZE) {
      throw new IllegalArgumentException(length + " bytes is more than a pooled buffer holds");
    }
    int c = sizeClass(length);
    byte[] b = free[c].poll();
    if (b != null) {
      idle[c].decrementAndGet();
    } else {
      b = new byte[MIN_SIZE << c];
    }
    return new Lease(b, this);
  }

  /** Idle buffers kept, all sizes together. */
  int idleBuffers() {
    int n = 0;
    for (AtomicInteger i : idle) {
      n += i.get();
    }
    return n;
  }

  private void giveBack(byte[] b) {
    int c = sizeClass(b.length);
    if (idle[c].incrementAndGet() * (long) b.length <= BYTES_PER_SIZE) {
      free[c].offer(b);
    } else {
      idle[c].decrementAndGet();
    }
  }

  private static int sizeClass(int length) {
    int size = Math.max(MIN_SIZE, length <= 1 ? 1 : Integer.highestOneBit(length - 1) << 1);
    return Integer.numberOfTrailingZeros(size) - Integer.numberOfTrailingZeros(MIN_SIZE);
  }

  /**
   * One buffer and the count of its users. Whoever holds a use calls {@link #release} exactly once;
   * a new user joins only through {@link #retain}, which fails once the count has reached zero (the
   * buffer may already be someone else's).
   */
  static final class Lease {
    private final byte[] bytes;
    private final ChunkBuffers pool;
    private final AtomicInteger users = new AtomicInteger(1);

    private Lease(byte[] bytes, ChunkBuffers pool) {
      this.bytes = bytes;
      this.pool = pool;
    }

    /** A lease over an array of its own, given to the garbage collector when released. */
    static Lease unpooled(byte[] bytes) {
      return new Lease(bytes, null);
    }

    byte[] bytes() {
      return bytes;
    }

    /** Adds a user; false if the last user already let go (then the bytes are not to be read). */
    boolean retain() {
      while (true) {
        int n = users.get();
        if (n == 0) {
          return false;
        }
        if (users.compareAndSet(n, n + 1)) {
          return true;
        }
      }
    }

    /** Drops one use; the last one gives the buffer back to its pool. */
    void release() {
      int n = users.decrementAndGet();
      if (n < 0) {
        throw new IllegalStateException("buffer released more often than taken");
      }
      if (n == 0 && pool != null) {
        pool.giveBack(bytes);
      }
    }
  }
}
