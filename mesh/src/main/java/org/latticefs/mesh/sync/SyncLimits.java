package org.latticefs.mesh.sync;

import java.time.Duration;

/**
 * How log sync paces itself.
 *
 * @param batchEntries the most entries in one {@code Entries} message
 * @param batchBytes the most entry bytes in one (a single larger entry travels alone)
 * @param window the most unacknowledged batches per store and connection
 * @param resyncDelay how long a sender waits, after a peer acknowledged less than it was sent,
 *     before sending again from the peer's tip (doubled on each stall in a row, up to {@code
 *     maxResyncDelay})
 * @param maxResyncDelay the longest such wait
 * @param inboundPending batches received but not yet ingested, per connection, at which reading
 *     from that connection pauses
 */
public record SyncLimits(
    int batchEntries,
    int batchBytes,
    int window,
    Duration resyncDelay,
    Duration maxResyncDelay,
    int inboundPending) {
  public SyncLimits {
    if (batchEntries < 1 || batchBytes < 1 || window < 1 || inboundPending < 1) {
      throw new IllegalArgumentException("sync limits are positive");
    }
  }

  public static SyncLimits defaults() {
    return new SyncLimits(1024, 1 << 20, 4, Duration.ofMillis(300), Duration.ofSeconds(30), 8);
  }
}
