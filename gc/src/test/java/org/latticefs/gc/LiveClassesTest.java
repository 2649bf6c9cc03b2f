package org.latticefs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinReconcilerTest;
import org.latticefs.gc.pin.PinRoots;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMode;
import org.latticefs.kv.memory.MemoryStores;

/**
 * {@code du}'s classes ({@link Collector#measure} with {@link UsageRoots#of}): one file per case,
 * each of a different power-of-two size, so a file counted in the wrong class changes that class's
 * bytes by a size no other file has.
 */
class LiveClassesTest {
  static final String ROOT = "0000000000000001";
  static final String PINNED_FILE = "00000000000000a1";

  final MemoryBlobStore blobs = new MemoryBlobStore();
  final MemoryStores stores = MemoryStores.create();
  final String self = stores.nodeId().toString();
  final Presence presence = new Presence(stores.root(), self);
  final PinBook pins = new PinBook(stores.root(), self);
  final PinReconcilerTest.FakeTrees trees = new PinReconcilerTest.FakeTrees();
  final UUID docs;
  final UUID media;
  final List<BlobRef> kept = new java.util.concurrent.CopyOnWriteArrayList<>();

  LiveClassesTest() throws Exception {
    docs = stores.createStore("docs").id();
    media = stores.createStore("media").id();
    presence.setMode(media, StoreMode.ON_DEMAND);
  }

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  /** The collector as a node composes it: stores' content, pins and kept versions as roots. */
  Collector collector() {
    PinRoots p = new PinRoots(pins);
    ManifestRoots content =
        sink -> {
          trees.forEach(docs, ROOT, sink);
          trees.forEach(media, ROOT, sink);
        };
    return new Collector(
        CollectableStore.of(blobs),
        List.of(p.pending()),
        List.of(content, p.stored(), keptRoots()),
        InstantSource.fixed(Instant.EPOCH),
        System::nanoTime,
        new SplittableRandom(11));
  }

  ManifestRoots keptRoots() {
    return sink -> {
      for (BlobRef m : kept) {
        sink.root(m);
      }
    };
  }

  LiveUsage measure() throws IOException {
    return collector()
        .measure(UsageRoots.of(stores, presence, pins, trees, keptRoots()), PassListener.NONE);
  }

  BlobRef file(long seed, int size) throws IOException {
    return PinReconcilerTest.ingest(blobs, PinReconcilerTest.random(seed, size));
  }

  /** Bytes of {@code m}'s manifest nodes (its tree's bytes beyond the file's {@code size}). */
  long nodes(BlobRef m, int size) throws IOException {
    return bytes(PinReconcilerTest.tree(blobs, m)) - size;
  }

  long bytes(Set<BlobRef> refs) throws IOException {
    long sum = 0;
    for (BlobRef r : refs) {
      sum += blobs.stat(r).orElseThrow().size();
    }
    return sum;
  }

  @Test
  void eachLiveBlobIsCountedOncePinnedThenReferencedThenCache() throws Exception {
    // A file of the full store, also pinned by inode: pinned, not referenced.
    BlobRef docsPinned = file(1, 10_000);
    trees.put(docs, ROOT, docsPinned);
    trees.put(docs, PINNED_FILE, docsPinned);
    pins.add(new PinTarget.Inode(docs, PINNED_FILE));
    // A file of the on-demand store, also pinned by hash: pinned, not cache.
    BlobRef mediaPinned = file(2, 20_000);
    trees.put(media, ROOT, mediaPinned);
    pins.add(new PinTarget.Manifest(mediaPinned));
    assertTrue(pins.markStored(new PinTarget.Manifest(mediaPinned)));
    // A file of the full store: referenced.
    BlobRef docsFile = file(3, 40_000);
    trees.put(docs, ROOT, docsFile);
    // A file of the on-demand store: its chunks are cache, its manifest nodes referenced.
    BlobRef mediaFile = file(4, 80_000);
    trees.put(media, ROOT, mediaFile);
    // The same content in both stores (dedup): referenced, not cache.
    BlobRef both = file(5, 160_000);
    trees.put(docs, ROOT, both);
    trees.put(media, ROOT, both);
    // A deleted file's version that gc.keep_deleted keeps: referenced.
    BlobRef keptVersion = file(6, 320_000);
    kept.add(keptVersion);
    // Nothing reaches it: garbage.
    BlobRef garbage = file(7, 1_280_000);
    int before = blobs.size();

    try (Hold open = blobs.newHold()) {
      // An open file's base version, held, in the on-demand store: referenced (eviction keeps it).
      BlobRef held = file(8, 640_000);
      open.holdTree(held);
      trees.put(media, ROOT, held);

      LiveUsage u = measure();
      PassReport r = u.pass();

      assertTrue(r.swept(), r.problems().toString());
      assertTrue(r.dryRun());
      assertEquals(before + PinReconcilerTest.tree(blobs, held).size(), blobs.size());
      assertEquals(
          10_000 + nodes(docsPinned, 10_000) + 20_000 + nodes(mediaPinned, 20_000),
          u.pinnedBytes());
      assertEquals(80_000, u.cacheBytes());
      assertEquals(
          40_000
              + nodes(docsFile, 40_000)
              + nodes(mediaFile, 80_000)
              + 160_000
              + nodes(both, 160_000)
              + 320_000
              + nodes(keptVersion, 320_000)
              + 640_000
              + nodes(held, 640_000),
          u.referencedBytes());
      assertEquals(1_280_000 + nodes(garbage, 1_280_000), r.garbageBytes());
      assertEquals(r.liveBytes(), u.pinnedBytes() + u.referencedBytes() + u.cacheBytes());
      assertEquals(
          r.examinedBlobs() - r.garbageBlobs(),
          u.pinnedBlobs() + u.referencedBlobs() + u.cacheBlobs());
      Set<BlobRef> mediaChunks = new HashSet<>(PinReconcilerTest.tree(blobs, mediaFile));
      mediaChunks.removeAll(manifestNodes(mediaFile));
      assertEquals(mediaChunks.size(), u.cacheBlobs());
    }
  }

  @Test
  void unpinnedAndOnDemandTheFileMovesToCacheAndBackToReferencedWhenFull() throws Exception {
    BlobRef f = file(9, 50_000);
    trees.put(media, ROOT, f);
    trees.put(media, PINNED_FILE, f);
    PinTarget pin = new PinTarget.Inode(media, PINNED_FILE);
    pins.add(pin);
    long nodes = nodes(f, 50_000);

    LiveUsage pinned = measure();
    assertEquals(50_000 + nodes, pinned.pinnedBytes());
    assertEquals(0, pinned.cacheBytes());
    assertEquals(0, pinned.referencedBytes());

    pins.remove(pin);
    LiveUsage cached = measure();
    assertEquals(0, cached.pinnedBytes());
    assertEquals(50_000, cached.cacheBytes());
    assertEquals(nodes, cached.referencedBytes());

    presence.setMode(media, StoreMode.FULL);
    LiveUsage full = measure();
    assertEquals(0, full.cacheBytes());
    assertEquals(50_000 + nodes, full.referencedBytes());
  }

  /** {@code manifest}'s tree's manifest nodes (not its chunks). */
  Set<BlobRef> manifestNodes(BlobRef manifest) throws IOException {
    Set<BlobRef> out = new HashSet<>();
    collectNodes(manifest, out);
    return out;
  }

  private void collectNodes(BlobRef node, Set<BlobRef> out) throws IOException {
    out.add(node);
    org.latticefs.cas.chunk.Manifest m = org.latticefs.cas.chunk.Manifest.decode(blobs.fetch(node));
    if (m.isLeaf()) {
      return;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (!m.isHole(i)) {
        collectNodes(m.ref(i), out);
      }
    }
  }
}
