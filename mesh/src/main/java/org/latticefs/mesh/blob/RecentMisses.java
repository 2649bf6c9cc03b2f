package org.latticefs.mesh.blob;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;

/**
 * Which peers said lately that they do not hold a blob, so a fetch does not ask them for it again
 * until {@code forNanos} has passed.
 *
 * <p>Bounded: at most {@code capacity} pairs are kept; beyond, the oldest is forgotten (that peer
 * is merely asked again). Thread-safe. Time comes from {@code nanos} (tests pass their own).
 */
final class RecentMisses {
  private record Key(NodeId peer, BlobRef ref) {}

  private final long forNanos;
  private final int capacity;
  private final LongSupplier nanos;
  private final LinkedHashMap<Key, Long> until;

  RecentMisses(long forNanos, int capacity, LongSupplier nanos) {
    if (forNanos < 0 || capacity < 1) {
      throw new IllegalArgumentException("a miss is kept for >= 0 ns, capacity >= 1");
    }
    this.forNanos = forNanos;
    this.capacity = capacity;
    this.nanos = nanos;
    this.until =
        new LinkedHashMap<>(16, 0.75f, false) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<Key, Long> eldest) {
            return size() > RecentMisses.this.capacity;
          }
        };
  }

  /** {@code peer} said it has no {@code ref}. */
  synchronized void missed(NodeId peer, BlobRef ref) {
    Key k = new Key(peer, ref);
    until.remove(k); // re-inserted last, so the eldest is the oldest miss
    until.put(k, nanos.getAsLong() + forNanos);
  }

  /** Whether {@code peer} said within the last while that it has no {@code ref}. */
  synchronized boolean recentlyMissed(NodeId peer, BlobRef ref) {
    Key k = new Key(peer, ref);
    Long u = until.get(k);
    if (u == null) {
      return false;
    }
    if (u - nanos.getAsLong() > 0) {
      return true;
    }
    until.remove(k);
    return false;
  }

  /** How many misses are remembered (for tests). */
  synchronized int size() {
    return until.size();
  }
}
