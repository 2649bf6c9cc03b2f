package org.latticefs.mesh.blob;

/**
 * The upload cap ({@code mesh.max_rate}): a token bucket of one second's worth of bytes. {@link
 * #acquire} blocks the serving thread until the bytes may go.
 *
 * <p>Used by one thread (the server's).
 */
final class UploadRate {
  private final long bytesPerSecond;
  private double tokens;
  private long last = System.nanoTime();

  /** A cap of {@code bytesPerSecond} (0: none). */
  UploadRate(long bytesPerSecond) {
    this.bytesPerSecond = bytesPerSecond;
    this.tokens = bytesPerSecond;
  }

  /** Waits until {@code bytes} may be sent, then takes them from the bucket. */
  void acquire(long bytes) throws InterruptedException {
    if (bytesPerSecond == 0) {
      return;
    }
    refill();
    tokens -= bytes;
    if (tokens < 0) {
      long waitNanos = (long) (-tokens * 1e9 / bytesPerSecond);
      Thread.sleep(waitNanos / 1_000_000, (int) (waitNanos % 1_000_000));
    }
  }

  private void refill() {
    long now = System.nanoTime();
    tokens = Math.min(bytesPerSecond, tokens + (now - last) * (double) bytesPerSecond / 1e9);
    last = now;
  }
}
