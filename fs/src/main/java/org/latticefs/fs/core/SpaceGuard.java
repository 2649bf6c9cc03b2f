package org.latticefs.fs.core;

import java.io.IOException;
import java.util.function.LongSupplier;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.SpaceProvider;

/**
 * Refuses writes the node has no room for ({@code ENOSPC}) before they are taken, and answers
 * {@code statfs}, from the {@link SpaceProvider}'s figure cached for {@value #MAX_AGE_NANOS} ns.
 *
 * <p>A write is taken only if the free space covers it and every byte already written into open
 * files and not yet stored ({@code pending}: their commits will need that room too), so a file that
 * does not fit fails at its write with ENOSPC, not at its close. Within {@link #MARGIN} of full
 * every write looks afresh, so concurrent writers do not overshoot on a stale figure. The blob
 * store checks its quota and free space again on every write (the hard limit); this check is what
 * makes the failure come early. Thread-safe.
 */
final class SpaceGuard {
  static final long MAX_AGE_NANOS = 250_000_000L;

  /** How close to full the cached figure stops being trusted. */
  static final long MARGIN = 64L << 20;

  private static final long BLOCK = 4096;

  private final SpaceProvider provider;
  private final NanoClock clock;
  private final LongSupplier pending;
  private volatile SpaceProvider.Space cached;
  private volatile long checkedNanos;

  /**
   * @param pending bytes written into open files and not stored yet
   */
  SpaceGuard(SpaceProvider provider, NanoClock clock, LongSupplier pending) {
    this.provider = provider;
    this.clock = clock;
    this.pending = pending;
  }

  /**
   * ENOSPC unless {@code bytes} more fit beside what is pending, after the provider has tried to
   * free some ({@link SpaceProvider#reclaim}: a garbage collection pass).
   */
  void require(long bytes) throws IOException {
    if (bytes <= 0) {
      return;
    }
    long need = bytes + pending.getAsLong();
    if (space().freeBytes() - need >= MARGIN) {
      return;
    }
    cached = null;
    long free = space().freeBytes();
    if (free < need && provider.reclaim(need)) {
      cached = null;
      free = space().freeBytes();
    }
    if (free < need) {
      throw new FsException(
          Errno.ENOSPC,
          "no room for "
              + bytes
              + " more bytes ("
              + free
              + " free, "
              + (need - bytes)
              + " written and not stored yet)");
    }
  }

  /**
   * Capacity for {@code statfs}: used is what Lattice holds; {@code inodes} of the stores are in
   * use, and as many more as there are free blocks may be made.
   */
  FsStats statfs(long inodes) throws IOException {
    SpaceProvider.Space s = space();
    long total = s.totalBytes() / BLOCK;
    long free = s.freeBytes() / BLOCK;
    return new FsStats(BLOCK, total, total - s.usedBytes() / BLOCK, free, inodes + free, free);
  }

  private SpaceProvider.Space space() throws IOException {
    long now = clock.nowNanos();
    SpaceProvider.Space s = cached;
    long age = now - checkedNanos;
    if (s == null || age > MAX_AGE_NANOS || age < 0) {
      s = provider.space();
      cached = s;
      checkedNanos = now;
    }
    return s;
  }
}
