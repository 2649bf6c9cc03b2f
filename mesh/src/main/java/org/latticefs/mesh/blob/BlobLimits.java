package org.latticefs.mesh.blob;

import java.time.Duration;

/**
 * Pacing of the blob exchange.
 *
 * @param maxRate bytes per second this node sends to all peers together (0: no cap; {@code
 *     mesh.max_rate})
 * @param inFlightPerPeer requests this node has open with one peer at once
 * @param queuedPerPeer requests of one peer this node keeps queued; beyond, it answers busy
 * @param minDeadline the shortest wait before a slow request is raced by another peer
 * @param firstDeadline the wait before racing a peer whose latency is not known yet
 * @param timeout the longest a fetch waits in all before it fails
 * @param demotion how long a peer that sent bad bytes is asked only after every other
 */
public record BlobLimits(
    long maxRate,
    int inFlightPerPeer,
    int queuedPerPeer,
    Duration minDeadline,
    Duration firstDeadline,
    Duration timeout,
    Duration demotion) {
  public BlobLimits {
    if (maxRate < 0 || inFlightPerPeer < 1 || queuedPerPeer < 1) {
      throw new IllegalArgumentException("blob limits must be positive (maxRate 0: no cap)");
    }
  }

  /** No upload cap, 16 requests in flight per peer, 64 queued, races after 4× the latency. */
  public static BlobLimits defaults() {
    return new BlobLimits(
        0,
        16,
        64,
        Duration.ofMillis(200),
        Duration.ofSeconds(2),
        Duration.ofSeconds(60),
        Duration.ofMinutes(10));
  }

  /** These limits with an upload cap of {@code bytesPerSecond} (0: none). */
  public BlobLimits withMaxRate(long bytesPerSecond) {
    return new BlobLimits(
        bytesPerSecond,
        inFlightPerPeer,
        queuedPerPeer,
        minDeadline,
        firstDeadline,
        timeout,
        demotion);
  }

  /** These limits with other race deadlines and overall timeout. */
  public BlobLimits withDeadlines(Duration min, Duration first, Duration total) {
    return new BlobLimits(maxRate, inFlightPerPeer, queuedPerPeer, min, first, total, demotion);
  }
}
