package org.latticefs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinKeys;
import org.latticefs.gc.pin.PinReconcilerTest;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMode;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;

/**
 * Cache eviction in an on-demand store, with presence written under a fake second node's id and a
 * fake holder check standing in for the mesh.
 */
class CacheEvictorTest {
  static final String OTHER = "lat1othernode";

  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  final InstantSource clock = () -> now.get();
  final MemoryBlobStore blobs = MemoryBlobStore.withClock(clock);
  final MemoryStores stores = MemoryStores.create();
  final String self = stores.nodeId().toString();
  final Presence presence = new Presence(stores.root(), self);
  final PinBook pins = new PinBook(stores.root(), self);
  final PinReconcilerTest.FakeTrees trees = new PinReconcilerTest.FakeTrees();
  final UUID media;
  final UUID docs;
  volatile boolean otherConfirms = true;

  CacheEvictorTest() throws Exception {
    media = stores.createStore("media").id();
    docs = stores.createStore("docs").id();
  }

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  CacheEvictor evictor(int minCopies) {
    return new CacheEvictor(
        CollectableStore.of(blobs),
        blobs.accessTracker(),
        stores,
        presence,
        pins,
        trees,
        (node, refs) -> node.equals(OTHER) && otherConfirms ? Set.copyOf(refs) : Set.of(),
        minCopies);
  }

  /** A file of {@code store}'s tree, stored now; time then moves on (older files are older). */
  BlobRef file(UUID store, long seed) throws Exception {
    BlobRef m = PinReconcilerTest.ingest(blobs, PinReconcilerTest.random(seed, 30_000));
    trees.put(store, "0000000000000001", m);
    now.set(now.get().plus(Duration.ofMinutes(1)));
    return m;
  }

  Set<BlobRef> chunks(BlobRef m) throws Exception {
    Set<BlobRef> t = PinReconcilerTest.tree(blobs, m);
    t.remove(m);
    return t;
  }

  void otherHoldsWholeStore(UUID store) throws Exception {
    stores
        .root()
        .commit(
            List.of(
                new Op.Put(
                    PinKeys.holds(OTHER, store),
                    "complete 2026-01-01T00:00:00Z".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void onOneNodeNothingReferencedIsEvicted() throws Exception {
    presence.setMode(media, StoreMode.ON_DEMAND);
    BlobRef a = file(media, 1);
    int before = blobs.size();
    CacheEvictor.Report r = evictor(1).evict(Long.MAX_VALUE);
    assertEquals(0, r.evicted());
    assertEquals(before, blobs.size());
    assertTrue(blobs.stat(a).isPresent());
  }

  @Test
  void confirmedCopiesElsewhereLetTheOldestCachedChunksGoAndNothingKeptHere() throws Exception {
    presence.setMode(media, StoreMode.ON_DEMAND);
    otherHoldsWholeStore(media);
    BlobRef old = file(media, 2);
    BlobRef pinned = file(media, 3);
    BlobRef inFull = file(docs, 4);
    BlobRef recent = file(media, 5);
    pins.add(new PinTarget.Manifest(pinned));
    Set<BlobRef> oldChunks = chunks(old);

    CacheEvictor.Report r = evictor(1).evict(25_000);

    assertTrue(r.evicted() > 0, r.toString());
    assertTrue(r.evictedBytes() >= 25_000, r.toString());
    long gone = oldChunks.stream().filter(c -> blobs.size() >= 0 && !present(c)).count();
    assertEquals(r.evicted(), gone, "the oldest file's chunks went first");
    assertTrue(present(old), "manifest nodes are never evicted");
    for (BlobRef keep : List.of(pinned, inFull, recent)) {
      for (BlobRef c : PinReconcilerTest.tree(blobs, keep)) {
        assertTrue(present(c), "kept: pinned, full store, or newer than needed");
      }
    }
  }

  @Test
  void aStaleClaimThatTheHolderDoesNotConfirmEvictsNothing() throws Exception {
    presence.setMode(media, StoreMode.ON_DEMAND);
    otherHoldsWholeStore(media);
    file(media, 6);
    otherConfirms = false;
    CacheEvictor.Report r = evictor(1).evict(Long.MAX_VALUE);
    assertEquals(0, r.evicted());
    assertTrue(r.unconfirmed() > 0);
  }

  @Test
  void fewerConfirmedCopiesThanMinCopiesEvictNothingAndFullStoresNever() throws Exception {
    presence.setMode(media, StoreMode.ON_DEMAND);
    otherHoldsWholeStore(media);
    otherHoldsWholeStore(docs);
    file(media, 7);
    file(docs, 8);
    int before = blobs.size();
    assertEquals(0, evictor(2).evict(Long.MAX_VALUE).evicted());
    assertEquals(before, blobs.size());
    presence.setMode(media, StoreMode.FULL);
    assertEquals(0, evictor(1).evict(Long.MAX_VALUE).evicted(), "no on-demand store");
    assertFalse(presence.holdsWholeStore(self, media));
  }

  boolean present(BlobRef r) {
    try {
      return blobs.stat(r).isPresent();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
