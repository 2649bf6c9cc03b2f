package org.latticefs.cas.store;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Outboard;

/**
 * Outboards of recently read blobs, bounded by their {@link Outboard#memoryBytes() heap size},
 * evicting the least recently used. An outboard describes content, not a file, so an entry never
 * goes stale: it stays right for its ref whether the blob is removed, quarantined or stored again.
 *
 * <p>Thread-safe: one short lock per call.
 */
final class OutboardCache {
  private final long capacityBytes;
  private final LinkedHashMap<BlobRef, Outboard> lru = new LinkedHashMap<>(256, 0.75f, true);
  private long sizeBytes;
  private final AtomicLong hits = new AtomicLong();
  private final AtomicLong misses = new AtomicLong();

  OutboardCache(long capacityBytes) {
    if (capacityBytes <= 0) {
      throw new IllegalArgumentException("capacityBytes must be positive, got " + capacityBytes);
    }
    this.capacityBytes = capacityBytes;
  }

  /** The outboard of {@code ref}, or null; counts a hit or a miss. */
  Outboard get(BlobRef ref) {
    Outboard o;
    synchronized (lru) {
      o = lru.get(ref);
    }
    (o != null ? hits : misses).incrementAndGet();
    return o;
  }

  /** Whether {@code ref}'s outboard is held; neither a hit nor a miss, nor a use. */
  boolean contains(BlobRef ref) {
    synchronized (lru) {
      return lru.containsKey(ref);
    }
  }

  /** Remembers {@code outboard}, evicting the least recently used beyond the capacity. */
  void put(Outboard outboard) {
    long bytes = outboard.memoryBytes();
    if (bytes > capacityBytes) {
      return;
    }
    synchronized (lru) {
      Outboard old = lru.put(outboard.ref(), outboard);
      if (old != null) {
        sizeBytes -= old.memoryBytes();
      }
      sizeBytes += bytes;
      Iterator<Map.Entry<BlobRef, Outboard>> it = lru.entrySet().iterator();
      while (sizeBytes > capacityBytes && it.hasNext()) {
        Map.Entry<BlobRef, Outboard> e = it.next();
        it.remove();
        sizeBytes -= e.getValue().memoryBytes();
      }
    }
  }

  void remove(BlobRef ref) {
    synchronized (lru) {
      Outboard old = lru.remove(ref);
      if (old != null) {
        sizeBytes -= old.memoryBytes();
      }
    }
  }

  long sizeBytes() {
    synchronized (lru) {
      return sizeBytes;
    }
  }

  int entries() {
    synchronized (lru) {
      return lru.size();
    }
  }

  long hits() {
    return hits.get();
  }

  long misses() {
    return misses.get();
  }
}
