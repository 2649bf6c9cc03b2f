package org.latticefs.fs.fuse.kernel;

import java.time.Duration;

/**
 * How long the kernel may keep a name ({@code entry}) and an inode's attributes ({@code attr})
 * without asking again. libfuse2's high-level API used 1 s for both; 0 makes every access ask.
 */
public record Timeouts(Duration entry, Duration attr) {
  /** libfuse2's defaults: 1 s each. */
  public static final Timeouts LIBFUSE_DEFAULT =
      new Timeouts(Duration.ofSeconds(1), Duration.ofSeconds(1));

  public Timeouts {
    if (entry.isNegative() || attr.isNegative()) {
      throw new IllegalArgumentException("negative timeout");
    }
  }

  long entrySeconds() {
    return entry.getSeconds();
  }

  int entryNanos() {
    return entry.getNano();
  }

  long attrSeconds() {
    return attr.getSeconds();
  }

  int attrNanos() {
    return attr.getNano();
  }
}
