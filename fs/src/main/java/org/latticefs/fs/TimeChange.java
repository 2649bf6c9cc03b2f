package org.latticefs.fs;

/**
 * What {@code utimens} does with one of a file's times, as {@code utimensat(2)} says it: leave it
 * ({@code UTIME_OMIT}), set it to the filesystem's current time ({@code UTIME_NOW}), or set it to a
 * given time.
 */
public sealed interface TimeChange permits TimeChange.Keep, TimeChange.Now, TimeChange.At {
  /** Leave this time as it is. */
  TimeChange KEEP = new Keep();

  /** Set this time to the filesystem's clock. */
  TimeChange NOW = new Now();

  /** Set this time to {@code epochNanos}. */
  static TimeChange at(long epochNanos) {
    return new At(epochNanos);
  }

  /** The new time given the current one and the clock's {@code nowNanos}. */
  long apply(long currentNanos, long nowNanos);

  /** {@code UTIME_OMIT}. */
  record Keep() implements TimeChange {
    @Override
    public long apply(long currentNanos, long nowNanos) {
      return currentNanos;
    }
  }

  /** {@code UTIME_NOW}. */
  record Now() implements TimeChange {
    @Override
    public long apply(long currentNanos, long nowNanos) {
      return nowNanos;
    }
  }

  /** A given time, nanoseconds since the epoch. */
  record At(long epochNanos) implements TimeChange {
    @Override
    public long apply(long currentNanos, long nowNanos) {
      return epochNanos;
    }
  }
}
