package org.latticefs.mesh.blob;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of the blob exchange since the mesh started, for status and metrics. Each field only
 * grows; read them with {@link LongAdder#sum()}.
 *
 * @param fetched blobs fetched from peers and verified
 * @param fetchedBytes their bytes
 * @param notFound fetches no connected peer could answer
 * @param failed fetches that ended in another error (timeout, no good copy)
 * @param badBytes answers whose bytes did not hash to the ref asked for (the peer was demoted)
 * @param raced requests sent to a second peer because the first was slow
 * @param served blobs sent to peers whole
 * @param servedBytes bytes sent to peers
 * @param refused requests refused because the blob is not in a store the peer may see
 * @param busy requests refused because the peer had too many queued
 */
public record FetchStats(
    LongAdder fetched,
    LongAdder fetchedBytes,
    LongAdder notFound,
    LongAdder failed,
    LongAdder badBytes,
    LongAdder raced,
    LongAdder served,
    LongAdder servedBytes,
    LongAdder refused,
    LongAdder busy) {

  /** All counts at zero. */
  public static FetchStats zero() {
    return new FetchStats(
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder(),
        new LongAdder());
  }

  @Override
  public String toString() {
    return "fetched "
        + fetched.sum()
        + " ("
        + fetchedBytes.sum()
        + " B), not found "
        + notFound.sum()
        + ", failed "
        + failed.sum()
        + ", bad bytes "
        + badBytes.sum()
        + ", raced "
        + raced.sum()
        + "; served "
        + served.sum()
        + " ("
        + servedBytes.sum()
        + " B), refused "
        + refused.sum()
        + ", busy "
        + busy.sum();
  }
}
