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

  /** ENOSPC unless {@code bytes} more fit, after the provider has tried to free some. */
  void require(long bytes) throws IOException {
    if (bytes > 0 && space().freeBytes() < bytes) {
      cached = null;
      if (space().freeBytes() < bytes) {
        cached = null;
        if (!provider.reclaim(bytes) || space().freeBytes() < bytes) {
          throw new FsException(Errno.ENOSPC, "no room for " + bytes + " more bytes");
        }
      }
    }
  }

  FsStats statfs() throws IOException {
    SpaceProvider.Space s = space();
    return new FsStats(BLOCK, s.totalBytes() / BLOCK, s.freeBytes() / BLOCK, 1L << 40, 1L << 40);
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
