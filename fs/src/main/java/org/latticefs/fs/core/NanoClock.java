package org.latticefs.fs.core;

import java.time.Instant;
import java.time.InstantSource;

/** The filesystem's time, in nanoseconds since the epoch (inode times, cache ages). */
final class NanoClock {
  private final InstantSource source;

  NanoClock(InstantSource source) {
    this.source = source;
  }

  long nowNanos() {
    Instant t = source.instant();
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
