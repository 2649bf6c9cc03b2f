package org.latticefs.gc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestReader;
import org.latticefs.cas.chunk.ManifestShape;
import org.latticefs.cas.store.MemoryBlobStore;

class CollectorTest {
  /** Small chunks and narrow manifest nodes, so small files make deep trees. */
  static final Chunker CHUNKER = new Chunker(256, 1024, 4096, 2);

  static final ManifestShape SHAPE = new ManifestShape(2, 4, 8);

  private final MemoryBlobStore store = new MemoryBlobStore();
  private final List<BlobRef> roots = new CopyOnWriteArrayList<>();
  private final Collector collector =
      new Collector(
          CollectableStore.of(store),
          List.of(
              sink -> {
                for (BlobRef r : roots) {
                  sink.root(r);
                }
              }),
          InstantSource.fixed(Instant.EPOCH),
          System::nanoTime,
          new SplittableRandom(7));

  private BlobRef ingest(Hold hold, byte[] data) throws IOException {
    FileIngester ingester = new FileIngester(hold.receiver(), CHUNKER, SHAPE).singleThreaded();
    return ingester.ingest(new ByteArrayInputStream(data)).manifest();
  }

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  private Set<BlobRef> present() throws IOException {
    Set<BlobRef> out = new HashSet<>();
    for (BlobInfo b : store.enumerate(java.util.Optional.empty(), Integer.MAX_VALUE)) {
      out.add(b.ref());
    }
    return out;
  }

  private Set<BlobRef> tree(BlobRef manifest) throws IOException {
    Set<BlobRef> out = new HashSet<>();
    ManifestReader.open(store, manifest).forEachBlob(out::add);
    return out;
  }

  @Test
  void removesWhatNoRootReachesAndKeepsEveryBlobOfEveryRoot() throws IOException {
    BlobRef kept;
    BlobRef dropped;
    try (Hold h = store.newHold()) {
      kept = ingest(h, random(1, 100_000));
      dropped = ingest(h, random(2, 100_000));
      roots.add(kept);
    }
    Set<BlobRef> keptTree = tree(kept);
    Set<BlobRef> droppedTree = tree(dropped);
    assertTrue(keptTree.size() > 20, "a deep tree: " + keptTree.size());

    PassReport r = collector.run(false, PassListener.NONE);

    assertTrue(r.swept());
    assertEquals(keptTree, present(), "exactly the live tree is left");
    assertEquals(droppedTree.size(), r.removedBlobs());
    assertEquals(r.garbageBlobs(), r.removedBlobs());
    assertArrayEquals(random(1, 100_000), ManifestReader.open(store, kept));
  }

  private static void assertArrayEquals(byte[] want, ManifestReader got) throws IOException {
    byte[] b = new byte[(int) got.size()];
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.wrap(b);
    while (buf.hasRemaining()) {
      if (got.read(buf.position(), buf) <= 0) {
        break;
      }
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(want, b);
  }

  @Test
  void aDryRunRemovesNothingAndListsWhatAPassWould() throws IOException {
    BlobRef dropped;
    try (Hold h = store.newHold()) {
      dropped = ingest(h, random(3, 50_000));
    }
    Set<BlobRef> before = present();
    List<BlobRef> listed = new ArrayList<>();
    PassReport dry =
        collector.run(
            true,
            new PassListener() {
              @Override
              public void garbage(BlobInfo blob, boolean removed) {
                assertFalse(removed);
                listed.add(blob.ref());
              }
            });
    assertEquals(before, present());
    assertEquals(tree(dropped), new HashSet<>(listed));
    assertEquals(0, dry.removedBlobs());
    assertEquals(listed.size(), dry.garbageBlobs());
  }

  @Test
  void heldBlobsAndHeldTreesAreKept() throws IOException {
    Hold writing = store.newHold();
    BlobRef unreferenced = ingest(writing, random(4, 30_000));
    Hold base = store.newHold();
    BlobRef open;
    try (Hold h = store.newHold()) {
      open = ingest(h, random(5, 30_000));
    }
    base.holdTree(open);
    Set<BlobRef> all = present();

    PassReport r = collector.run(false, PassListener.NONE);

    assertEquals(all, present(), "held refs and held trees are kept");
    assertEquals(1, r.heldTrees());
    writing.close();
    base.close();
    collector.run(false, PassListener.NONE);
    assertTrue(present().isEmpty(), "released: all garbage now, " + unreferenced);
  }

  @Test
  void aRootWhoseTreeCannotBeReadStopsTheSweep() throws IOException {
    BlobRef lost;
    BlobRef garbage;
    try (Hold h = store.newHold()) {
      lost = ingest(h, random(6, 30_000));
      garbage = ingest(h, random(7, 30_000));
    }
    roots.add(lost);
    store.remove(lost);
    Set<BlobRef> before = present();

    PassReport r = collector.run(false, PassListener.NONE);

    assertFalse(r.swept());
    assertEquals(1, r.problems().size(), r.problems().toString());
    assertEquals(before, present(), "nothing removed, " + garbage + " included");
  }

  @Test
  void rootsThatFailStopThePassBeforeAnyRemoval() throws IOException {
    try (Hold h = store.newHold()) {
      ingest(h, random(8, 10_000));
    }
    Set<BlobRef> before = present();
    Collector failing =
        new Collector(
            CollectableStore.of(store),
            List.of(
                sink -> {
                  throw new IOException("store 'photos' is damaged");
                }),
            InstantSource.system(),
            System::nanoTime,
            new SplittableRandom(1));
    org.junit.jupiter.api.Assertions.assertThrows(
        IOException.class, () -> failing.run(false, PassListener.NONE));
    assertEquals(before, present());
  }

  @Test
  void sharedSubtreesAreMarkedOnce() throws IOException {
    BlobRef a;
    try (Hold h = store.newHold()) {
      a = ingest(h, random(9, 60_000));
    }
    for (int i = 0; i < 50; i++) {
      roots.add(a);
    }
    PassReport r = collector.run(false, PassListener.NONE);
    assertEquals(50, r.roots());
    assertEquals(tree(a), present());
    assertTrue(r.manifestNodes() < 50, "walked once: " + r.manifestNodes());
  }

  static ManifestRoots of(List<BlobRef> refs) {
    return sink -> {
      for (BlobRef r : refs) {
        sink.root(r);
      }
    };
  }
}
