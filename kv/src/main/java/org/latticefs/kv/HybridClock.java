package org.latticefs.kv;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;

/**
 * A hybrid logical clock: issues {@link Hlc} timestamps that follow the wall clock, never go
 * backwards, and move past every remote timestamp this node has seen.
 *
 * <h2>Rules</h2>
 *
 * <ul>
 *   <li>{@link #now()} is strictly greater than every timestamp this clock issued or received, even
 *       when the wall clock jumps backwards (it then advances the counter).
 *   <li>When the 16-bit counter would overflow, the millis part is bumped by one instead (the clock
 *       runs ahead of the wall by at most one ms per 65,536 timestamps in the same ms).
 *   <li>{@link #receive} refuses a remote timestamp more than {@code maxDrift} ahead of the local
 *       wall clock with an {@link HlcException} and leaves the clock untouched.
 *   <li>Wall-clock readings before 1970 read as 0; readings past the 48-bit range are clamped.
 * </ul>
 *
 * <p>Thread-safe; calls are serialized on this clock.
 */
public final class HybridClock {
  /** The default maximum a remote clock may run ahead of ours. */
  public static final Duration DEFAULT_MAX_DRIFT = Duration.ofSeconds(60);

  private final InstantSource wall;
  private final long maxDriftMillis;
  private long lastPacked;

  public HybridClock(InstantSource wall, Duration maxDrift) {
    this.wall = Objects.requireNonNull(wall, "wall");
    if (maxDrift.isNegative()) {
      throw new IllegalArgumentException("max drift must not be negative: " + maxDrift);
    }
    this.maxDriftMillis = maxDrift.toMillis();
  }

  /** A clock on the system wall clock with {@link #DEFAULT_MAX_DRIFT}. */
  public HybridClock() {
    this(InstantSource.system(), DEFAULT_MAX_DRIFT);
  }

  public HybridClock(InstantSource wall) {
    this(wall, DEFAULT_MAX_DRIFT);
  }

  /** The maximum a remote timestamp may run ahead of the local wall clock. */
  public Duration maxDrift() {
    return Duration.ofMillis(maxDriftMillis);
  }

  /** A new timestamp, strictly greater than any this clock issued or received before. */
  public synchronized Hlc now() {
    long physical = wallMillis();
    Hlc last = Hlc.unpack(lastPacked);
    Hlc next;
    if (physical > last.physicalMillis()) {
      next = new Hlc(physical, 0);
    } else {
      next = increment(last.physicalMillis(), last.counter());
    }
    lastPacked = next.packed();
    return next;
  }

  /**
   * Merges a timestamp seen on a remote entry and returns a new local timestamp greater than both
   * it and everything this clock issued before.
   *
   * @throws HlcException if {@code remote} is more than {@link #maxDrift()} ahead of the local wall
   *     clock; the clock is then unchanged
   */
  public synchronized Hlc receive(Hlc remote) throws HlcException {
    long physical = wallMillis();
    if (remote.physicalMillis() - physical > maxDriftMillis) {
      throw new HlcException(remote, physical, maxDriftMillis);
    }
    Hlc last = Hlc.unpack(lastPacked);
    long millis = Math.max(physical, Math.max(last.physicalMillis(), remote.physicalMillis()));
    Hlc next;
    if (millis == last.physicalMillis() && millis == remote.physicalMillis()) {
      next = increment(millis, Math.max(last.counter(), remote.counter()));
    } else if (millis == last.physicalMillis()) {
      next = increment(millis, last.counter());
    } else if (millis == remote.physicalMillis()) {
      next = increment(millis, remote.counter());
    } else {
      next = new Hlc(millis, 0);
    }
    lastPacked = next.packed();
    return next;
  }

  /** The last timestamp issued or merged, {@link Hlc#ZERO} before the first. */
  public synchronized Hlc last() {
    return Hlc.unpack(lastPacked);
  }

  private static Hlc increment(long millis, int counter) {
    if (counter < Hlc.MAX_COUNTER) {
      return new Hlc(millis, counter + 1);
    }
    if (millis >= Hlc.MAX_PHYSICAL) {
      throw new IllegalStateException("HLC exhausted at " + millis);
    }
    return new Hlc(millis + 1, 0);
  }

  private long wallMillis() {
    long m = wall.millis();
    return Math.max(0, Math.min(m, Hlc.MAX_PHYSICAL));
  }
}
