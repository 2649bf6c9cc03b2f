package org.latticefs.gc.pin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.kv.memory.MemoryStores;

/** What this node answers when a peer asks which blobs it keeps. */
class KeptBlobsTest {
  final MemoryBlobStore blobs = new MemoryBlobStore();
  final MemoryStores stores;
  final Presence presence;
  final PinBook pins;
  final PinReconcilerTest.FakeTrees trees = new PinReconcilerTest.FakeTrees();
  final KeptBlobs kept;

  KeptBlobsTest() throws Exception {
    stores = MemoryStores.create();
    String self = stores.nodeId().toString();
    presence = new Presence(stores.root(), self);
    pins = new PinBook(stores.root(), self);
    kept = new KeptBlobs(blobs, blobs, stores, presence, pins, trees);
  }

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  BlobRef file(UUID store, long seed) throws Exception {
    BlobRef m = PinReconcilerTest.ingest(blobs, PinReconcilerTest.random(seed, 40_000));
    trees.put(store, StoreMirror.ROOT_INODE, m);
    return m;
  }

  @Test
  void fullStoresAndPinsKeepTheirBlobsACacheDoesNotAndAbsentBlobsNever() throws Exception {
    UUID full = stores.createStore("docs").id();
    UUID cache = stores.createStore("media").id();
    presence.setMode(cache, StoreMode.ON_DEMAND);
    Set<BlobRef> inFull = PinReconcilerTest.tree(blobs, file(full, 1));
    Set<BlobRef> cached = PinReconcilerTest.tree(blobs, file(cache, 2));
    BlobRef pinnedFile = file(cache, 3);
    Set<BlobRef> pinned = PinReconcilerTest.tree(blobs, pinnedFile);
    pins.add(new PinTarget.Manifest(pinnedFile));
    BlobRef gone = PinReconcilerTest.ingest(blobs, PinReconcilerTest.random(4, 40_000));
    trees.put(full, StoreMirror.ROOT_INODE, gone);
    Set<BlobRef> goneTree = PinReconcilerTest.tree(blobs, gone);
    for (BlobRef r : goneTree) {
      blobs.remove(r);
    }

    Set<BlobRef> asked = new HashSet<>();
    asked.addAll(inFull);
    asked.addAll(cached);
    asked.addAll(pinned);
    asked.addAll(goneTree);
    Set<BlobRef> want = new HashSet<>(inFull);
    want.addAll(pinned);
    assertEquals(want, kept.kept(asked));
    assertTrue(kept.kept(cached).isEmpty(), "a cache is not kept");
  }

  @Test
  void aStoreThatLeavesFullNoLongerKeepsItsBlobs() throws Exception {
    UUID s = stores.createStore("docs").id();
    Set<BlobRef> t = PinReconcilerTest.tree(blobs, file(s, 5));
    assertEquals(t, kept.kept(t));
    presence.setMode(s, StoreMode.ON_DEMAND);
    assertTrue(kept.kept(t).isEmpty());
  }
}
