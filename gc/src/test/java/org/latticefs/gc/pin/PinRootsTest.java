package org.latticefs.gc.pin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Manifest;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.gc.CollectableStore;
import org.latticefs.gc.Collector;
import org.latticefs.gc.PassListener;
import org.latticefs.gc.PassReport;
import org.latticefs.kv.memory.MemoryStores;

/** Pins as roots of the collector. */
class PinRootsTest {
  final MemoryStores stores = MemoryStores.create();
  final PinBook book = new PinBook(stores.root(), stores.nodeId().toString());
  final MemoryBlobStore store = new MemoryBlobStore();
  final PinRoots pins = new PinRoots(book);
  final Collector collector =
      new Collector(
          CollectableStore.of(store),
          List.of(pins.pending()),
          List.of(pins.stored()),
          InstantSource.fixed(Instant.EPOCH),
          System::nanoTime,
          new SplittableRandom(3));

  PinRootsTest() throws Exception {}

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  @Test
  void storedAndPendingHashPinsKeepTheirTreesAndAnUnpinnedOneIsGarbage() throws Exception {
    BlobRef stored = PinReconcilerTest.ingest(store, PinReconcilerTest.random(1, 30_000));
    BlobRef pending = PinReconcilerTest.ingest(store, PinReconcilerTest.random(2, 30_000));
    BlobRef unpinned = PinReconcilerTest.ingest(store, PinReconcilerTest.random(3, 30_000));
    book.add(new PinTarget.Manifest(stored));
    book.markStored(new PinTarget.Manifest(stored));
    book.add(new PinTarget.Manifest(pending));
    book.add(new PinTarget.Manifest(unpinned));
    book.remove(new PinTarget.Manifest(unpinned));
    int unpinnedBlobs = PinReconcilerTest.tree(store, unpinned).size();
    Set<BlobRef> keep = PinReconcilerTest.tree(store, stored);
    keep.addAll(PinReconcilerTest.tree(store, pending));

    PassReport r = collector.run(false, PassListener.NONE);

    assertTrue(r.swept());
    assertEquals(unpinnedBlobs, r.removedBlobs());
    for (BlobRef b : keep) {
      assertTrue(store.stat(b).isPresent(), "kept " + b);
    }
  }

  @Test
  void aPendingPinWhoseTreeIsNotHereYetKeepsWhatIsHereAndDoesNotStopTheSweep() throws Exception {
    MemoryBlobStore elsewhere = new MemoryBlobStore();
    BlobRef m = PinReconcilerTest.ingest(elsewhere, PinReconcilerTest.random(4, 30_000));
    // Half of it here: the root node and the first chunk of it, as a pin being fetched leaves it.
    byte[] root = elsewhere.fetch(m);
    store.receive(root);
    Manifest node = Manifest.decode(root);
    BlobRef firstChild = node.ref(0);
    store.receive(elsewhere.fetch(firstChild));
    BlobRef garbage = PinReconcilerTest.ingest(store, PinReconcilerTest.random(5, 1000));
    book.add(new PinTarget.Manifest(m));

    PassReport r = collector.run(false, PassListener.NONE);

    assertTrue(r.swept(), r.problems().toString());
    assertTrue(store.stat(m).isPresent());
    assertTrue(store.stat(firstChild).isPresent());
    assertFalse(store.stat(garbage).isPresent());
  }

  @Test
  void aStoredPinWhoseTreeLostANodeStopsTheSweep() throws Exception {
    BlobRef m = PinReconcilerTest.ingest(store, PinReconcilerTest.random(6, 30_000));
    BlobRef garbage = PinReconcilerTest.ingest(store, PinReconcilerTest.random(7, 1000));
    book.add(new PinTarget.Manifest(m));
    book.markStored(new PinTarget.Manifest(m));
    store.remove(m);

    PassReport r = collector.run(false, PassListener.NONE);

    assertFalse(r.swept());
    assertTrue(store.stat(garbage).isPresent());
  }
}
