package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

class ManifestTreeTest {
  static final ManifestShape TINY = new ManifestShape(2, 4, 8);

  static List<Chunk> fakeChunks(long seed, int n) {
    SplittableRandom r = new SplittableRandom(seed);
    List<Chunk> out = new ArrayList<>();
    long off = 0;
    for (int i = 0; i < n; i++) {
      byte[] ref = new byte[32];
      r.nextBytes(ref);
      long len = 1 + r.nextInt(100_000);
      out.add(new Chunk(off, len, new BlobRef(ref)));
      off += len;
    }
    return out;
  }

  static BlobRef build(MapBlobStore store, ManifestShape shape, List<Chunk> chunks)
      throws IOException {
    ManifestBuilder b = new ManifestBuilder(shape, store::receive);
    for (Chunk c : chunks) {
      b.add(c.ref(), c.length());
    }
    return b.finish();
  }

  static List<Chunk> list(MapBlobStore store, BlobRef root) throws IOException {
    ChunkCursor cur = ManifestReader.open(store, root).chunks();
    List<Chunk> out = new ArrayList<>();
    for (Chunk c = cur.next(); c != null; c = cur.next()) {
      out.add(c);
    }
    return out;
  }

  /** Checks every node against the shape and returns the tree height (1 for a lone leaf). */
  static int checkShape(MapBlobStore store, BlobRef root, ManifestShape shape) throws IOException {
    int[] height = {0};
    ManifestReader.open(store, root)
        .walk(
            new ManifestReader.TreeVisitor() {
              @Override
              public boolean node(BlobRef ref, Manifest node, long offset) {
                assertTrue(node.entryCount() <= shape.maxFanout(), "node too wide: " + node);
                height[0] = Math.max(height[0], node.level() + 1);
                return true;
              }

              @Override
              public void chunk(Chunk chunk) {}
            });
    return height[0];
  }

  @Property(tries = 60)
  void treesListTheirChunksInOrder(@ForAll long seed, @ForAll @IntRange(min = 0, max = 3000) int n)
      throws IOException {
    MapBlobStore store = new MapBlobStore();
    List<Chunk> chunks = fakeChunks(seed, n);
    BlobRef root = build(store, TINY, chunks);
    TestData.assertSameChunks(chunks, list(store, root));
    int height = checkShape(store, root, TINY);
    if (n > 8) {
      assertTrue(height >= 2, "a long list needs a tree");
    }
    ManifestReader r = ManifestReader.open(store, root);
    assertEquals(chunks.isEmpty() ? 0 : chunks.get(n - 1).end(), r.size());
    // The cursor can start anywhere.
    if (n > 0) {
      Chunk mid = chunks.get(n / 2);
      assertEquals(mid, r.chunks(mid.offset() + mid.length() / 2).next());
    }
  }

  @Test
  void emptyAndSingleChunkTreesAreOneLeaf() throws IOException {
    MapBlobStore store = new MapBlobStore();
    assertEquals(Blake3.hash(Manifest.empty().encode()), build(store, TINY, List.of()));
    List<Chunk> one = fakeChunks(1, 1);
    BlobRef root = build(store, TINY, one);
    Manifest m = Manifest.decode(store.fetch(root));
    assertTrue(m.isLeaf());
    assertEquals(1, m.entryCount());
  }

  @Test
  void realSizeTreeForATerabyteOfChunks() throws IOException {
    // ~7.3 million chunks would be a terabyte; 200,000 exercise a three-level default tree fast.
    MapBlobStore store = new MapBlobStore();
    List<Chunk> chunks = fakeChunks(42, 200_000);
    BlobRef root = build(store, ManifestShape.DEFAULT, chunks);
    TestData.assertSameChunks(chunks, list(store, root));
    assertEquals(2, checkShape(store, root, ManifestShape.DEFAULT));
    Manifest top = Manifest.decode(store.fetch(root));
    assertTrue(top.entryCount() > 50 && top.entryCount() < 400, top.toString());
  }

  @Property(tries = 30)
  void anEditRewritesOnlyTheNodesAboveIt(
      @ForAll long seed, @ForAll @IntRange(min = 100, max = 5000) int n, @ForAll int where)
      throws IOException {
    MapBlobStore store = new MapBlobStore();
    List<Chunk> chunks = fakeChunks(seed, n);
    BlobRef before = build(store, TINY, chunks);
    int height = checkShape(store, before, TINY);
    long stored = store.newBlobs.get();
    List<Chunk> edited = new ArrayList<>(chunks);
    int i = Math.floorMod(where, n);
    Chunk replacement = fakeChunks(seed + 1, 1).get(0);
    edited.set(i, new Chunk(chunks.get(i).offset(), replacement.length(), replacement.ref()));
    BlobRef after = build(store, TINY, edited);
    assertNotEquals(before, after);
    long newNodes = store.newBlobs.get() - stored;
    // One path from leaf to root, plus neighbours where a node boundary moved.
    assertTrue(newNodes <= 3L * (height + 1), "new nodes " + newNodes + ", height " + height);
    assertEquals(after, build(new MapBlobStore(), TINY, edited), "same list, same tree");
  }
}
