package org.latticefs.gc;

import java.time.Duration;
import java.util.Objects;

/**
 * When the collector runs.
 *
 * <ul>
 *   <li>Every {@code interval} ({@code gc.interval}, default 10 minutes; zero: never on a timer).
 *   <li>When the store's used bytes pass {@code highWatermark} of its quota ({@code
 *       storage.quota}): a pass then removes every garbage blob, which is meant to bring usage to
 *       {@code lowWatermark} or below. If the live data alone is above the low mark (nothing left
 *       to remove), the next watermark pass waits until usage has grown by the gap between the two
 *       marks again, so a full store does not collect in a loop. Without a quota, no watermark.
 *   <li>When a write finds no room (quota, or the disk's minimum free space): the writer waits for
 *       a pass, then tries once more, and fails with ENOSPC only if it still does not fit.
 *   <li>On demand ({@code lattice-fs gc}).
 * </ul>
 *
 * @param interval time between timed passes (zero: none)
 * @param quotaBytes the store's quota (0: none, no watermark passes)
 * @param highWatermark fraction of the quota that starts a pass (default 0.9)
 * @param lowWatermark fraction of the quota a watermark pass aims to get below (default 0.8)
 * @param poll how often usage is compared with the high watermark (default 2 s)
 * @param reclaimWait the longest a writer that found no room waits for a pass before its write
 *     fails with ENOSPC (default 60 s; the pass goes on)
 */
public record GcSettings(
    Duration interval,
    long quotaBytes,
    double highWatermark,
    double lowWatermark,
    Duration poll,
    Duration reclaimWait) {
  public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(10);
  public static final double DEFAULT_HIGH = 0.9;
  public static final double DEFAULT_LOW = 0.8;

  public GcSettings {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(poll, "poll");
    Objects.requireNonNull(reclaimWait, "reclaimWait");
    if (interval.isNegative() || poll.isNegative() || poll.isZero() || reclaimWait.isNegative()) {
      throw new IllegalArgumentException("gc durations must be positive");
    }
    if (quotaBytes < 0) {
      throw new IllegalArgumentException("quota must be >= 0");
    }
    if (!(lowWatermark > 0 && lowWatermark < highWatermark && highWatermark <= 1)) {
      throw new IllegalArgumentException(
          "watermarks must satisfy 0 < low < high <= 1, got "
              + lowWatermark
              + ", "
              + highWatermark);
    }
  }

  /** Every 10 minutes, 90 % / 80 % of {@code quotaBytes}, polled every 2 s, writers wait 60 s. */
  public static GcSettings defaults(long quotaBytes) {
    return new GcSettings(
        DEFAULT_INTERVAL,
        quotaBytes,
        DEFAULT_HIGH,
        DEFAULT_LOW,
        Duration.ofSeconds(2),
        Duration.ofSeconds(60));
  }

  public GcSettings withInterval(Duration d) {
    return new GcSettings(d, quotaBytes, highWatermark, lowWatermark, poll, reclaimWait);
  }

  /** Used bytes above which a pass starts. */
  long highBytes() {
    return (long) (quotaBytes * highWatermark);
  }

  /** Used bytes a watermark pass aims for. */
  long lowBytes() {
    return (long) (quotaBytes * lowWatermark);
  }
}
