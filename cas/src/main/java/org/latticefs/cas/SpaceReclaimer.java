package org.latticefs.cas;

/**
 * Frees space when a write finds none: a store that is full (its quota, or the free space it must
 * leave on its disk) asks this once before it refuses a write, then checks again. The garbage
 * collector implements it; the composition root hands it to the store.
 *
 * <h2>Contract</h2>
 *
 * {@link #reclaim} blocks until an attempt to free space that started after the call has finished
 * (a collection pass that saw every reference made before the write), and returns whether it may
 * have freed something. It is called without any of the store's locks held, from the writer's
 * thread; it must never be called from the reclaimer's own threads (a pass never writes blobs). An
 * implementation that cannot help returns false at once.
 */
@FunctionalInterface
public interface SpaceReclaimer {
  /**
   * Tries to free at least {@code bytesNeeded} bytes; returns whether anything may have been freed,
   * so that retrying the write is worthwhile.
   */
  boolean reclaim(long bytesNeeded);

  /** Never frees anything. */
  SpaceReclaimer NONE = bytesNeeded -> false;
}
