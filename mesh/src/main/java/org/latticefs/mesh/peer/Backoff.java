package org.latticefs.mesh.peer;

import java.time.Duration;
import java.util.random.RandomGenerator;

/**
 * When to try a peer again after failed attempts: exponential from a base delay up to a maximum,
 * each delay drawn uniformly from its upper half (jitter), so peers that went away together do not
 * come back in step. With the defaults (1 s up to 30 s) a peer gone for a while is tried two to
 * four times a minute. Not thread-safe: one per peer, used under its owner's lock.
 */
public final class Backoff {
  private final long baseMs;
  private final long maxMs;
  private final RandomGenerator random;
  private int failures;

  public Backoff(Duration base, Duration max, RandomGenerator random) {
    if (base.isNegative() || base.isZero() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("backoff needs 0 < base <= max");
    }
    this.baseMs = base.toMillis();
    this.maxMs = max.toMillis();
    this.random = random;
  }

  /** Records a failed attempt; returns how long to wait before the next one. */
  public Duration failed() {
    failures = Math.min(failures + 1, 62);
    long ceiling = failures >= 40 ? maxMs : Math.min(maxMs, baseMs << (failures - 1));
    long half = ceiling / 2;
    return Duration.ofMillis(half + (long) (random.nextDouble() * (ceiling - half)));
  }

  /** The peer was reached: the next failure starts from the base again. */
  public void succeeded() {
    failures = 0;
  }

  /** Failed attempts since the last success. */
  public int failures() {
    return failures;
  }
}
