package org.latticefs.fs.core;

import java.io.IOException;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.SpaceProvider;

/**
 * Refuses writes the node has no room for ({@code ENOSPC}) and answers {@code statfs}, from the
 * {@link SpaceProvider}'s figure cached for {@value #MAX_AGE_NANOS} ns (a write is refused only
 * after a fresh look). Thread-safe.
 */
final class SpaceGuard {
  static final long MAX_AGE_NANOS = 250_000_000L;
  private static final long BLOCK = 4096;

  private final SpaceProvider provider;
  private final NanoClock clock;
  private volatile SpaceProvider.Space cached;
  private volatile long checkedNanos;

  SpaceGuard(SpaceProvider provider, NanoClock clock) {
    this.provider = provider;
    this.clock = clock;
  }

  /** ENOSPC unless {@code bytes} more fit. */
  void require(long bytes) throws IOException {
    if (bytes > 0 && space().freeBytes() < bytes) {
      cached = null;
      if (space().freeBytes() < bytes) {
        throw new FsException(Errno.ENOSPC, "no room for " + bytes + " more bytes");
      }
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
