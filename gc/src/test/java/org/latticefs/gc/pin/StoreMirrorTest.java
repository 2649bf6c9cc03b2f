package org.latticefs.gc.pin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.kv.memory.MemoryStores;

/**
 * The mirror of full stores, with a second in-memory blob store standing in for the peers and fake
 * inode trees for the filesystem.
 */
class StoreMirrorTest {
  static final Duration LONG = Duration.ofSeconds(60);

  final MemoryBlobStore here = new MemoryBlobStore();
  final MemoryBlobStore peer = new MemoryBlobStore();
  final MemoryStores stores;
  final Presence presence;
  final PinReconcilerTest.FakeTrees trees = new PinReconcilerTest.FakeTrees();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  final BlobFetcher remote =
      ref -> {
        maxInFlight.accumulateAndGet(inFlight.incrementAndGet(), Math::max);
        try {
          return peer.fetch(ref);
        } finally {
          inFlight.decrementAndGet();
        }
      };
  StoreMirror mirror;

  StoreMirrorTest() throws Exception {
    stores = MemoryStores.create();
    presence = new Presence(stores.root(), stores.nodeId().toString());
  }

  @AfterEach
  void tearDown() throws Exception {
    if (mirror != null) {
      mirror.close();
    }
    stores.close();
  }

  StoreMirror mirror(int concurrency) {
    mirror =
        new StoreMirror(
            stores,
            presence,
            here,
            here,
            remote,
            here,
            trees,
            InstantSource.system(),
            concurrency,
            Duration.ofHours(1),
            Duration.ZERO);
    return mirror;
  }

  /** A file written on the peer: its tree is there only. */
  Set<BlobRef> fileOnPeer(UUID store, long seed, int size) throws Exception {
    BlobRef m = PinReconcilerTest.ingest(peer, PinReconcilerTest.random(seed, size));
    trees.put(store, StoreMirror.ROOT_INODE, m);
    return PinReconcilerTest.tree(peer, m);
  }

  boolean allHere(Set<BlobRef> refs) throws Exception {
    for (BlobRef r : refs) {
      if (here.stat(r).isEmpty()) {
        return false;
      }
    }
    return true;
  }

  @Test
  void aFullStoreEndsWithEveryBlobHereThenClaimsItAndFollowsNewFiles() throws Exception {
    UUID media = stores.createStore("media").id();
    Set<BlobRef> first = fileOnPeer(media, 1, 3_000_000);
    Set<BlobRef> second = fileOnPeer(media, 2, 2_000_000);
    mirror(3).start();
    assertTrue(mirror.awaitIdle(LONG));
    assertTrue(allHere(first) && allHere(second));
    assertTrue(presence.holdsWholeStore(presence.node(), media));
    assertTrue(maxInFlight.get() <= 3, "at most 3 chunks in flight: " + maxInFlight.get());
    long fetched = 0;
    for (BlobRef r : first) {
      fetched += here.stat(r).get().size();
    }
    for (BlobRef r : second) {
      fetched += here.stat(r).get().size();
    }
    assertEquals(fetched, mirror.stats().fetchedBytes());

    Set<BlobRef> third = fileOnPeer(media, 3, 1_000_000);
    trees.changed(media);
    Thread.yield();
    assertTrue(waitFor(() -> allHere(third)), "a file that arrives later is mirrored too");
    @SuppressWarnings("unchecked")
    Map<String, Object> row = (Map<String, Object>) mirror.status().get("media");
    assertEquals("whole", row.get("phase"));
  }

  @Test
  void aBlobNoPeerHasLeavesTheStoreUnclaimedUntilAPeerHasIt() throws Exception {
    UUID media = stores.createStore("media").id();
    Set<BlobRef> tree = fileOnPeer(media, 4, 2_000_000);
    BlobRef lost = tree.stream().filter(r -> !r.equals(firstManifest(media))).findFirst().get();
    byte[] saved = peer.fetch(lost);
    peer.remove(lost);
    mirror(2).start();
    assertTrue(mirror.awaitIdle(LONG));
    assertFalse(presence.holdsWholeStore(presence.node(), media));
    assertTrue(mirror.stats().missingBlobs() > 0);
    @SuppressWarnings("unchecked")
    Map<String, Object> row = (Map<String, Object>) mirror.status().get("media");
    assertEquals("incomplete", row.get("phase"));

    peer.receive(saved); // a peer that has it comes up
    mirror.kick();
    assertTrue(mirror.awaitIdle(LONG));
    assertTrue(allHere(tree));
    assertTrue(presence.holdsWholeStore(presence.node(), media));
  }

  @Test
  void onDemandStoresAreNotMirrored() throws Exception {
    UUID media = stores.createStore("media").id();
    presence.setMode(media, StoreMode.ON_DEMAND);
    Set<BlobRef> tree = fileOnPeer(media, 5, 1_000_000);
    mirror(2).start();
    assertTrue(mirror.awaitIdle(LONG));
    for (BlobRef r : tree) {
      assertTrue(here.stat(r).isEmpty());
    }
    assertEquals(0, mirror.stats().fetchedBlobs());
  }

  BlobRef firstManifest(UUID store) {
    return trees.content.get(store + "/" + StoreMirror.ROOT_INODE).get(0);
  }

  interface Check {
    boolean ok() throws Exception;
  }

  /** Polls for a condition the mirror's own thread makes true (no timing is asserted). */
  boolean waitFor(Check c) throws Exception {
    long end = System.nanoTime() + LONG.toNanos();
    while (System.nanoTime() < end) {
      if (c.ok() && mirror.awaitIdle(LONG)) {
        return c.ok();
      }
      Thread.sleep(20);
    }
    return false;
  }
}
