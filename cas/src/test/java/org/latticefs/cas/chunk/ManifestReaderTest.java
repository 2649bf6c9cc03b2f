package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;

class ManifestReaderTest {
  static final Chunker SMALL = ChunkerTest.SMALL;
  static final ManifestShape TINY = ManifestTreeTest.TINY;

  static MapBlobStore store;
  static byte[] data;
  static BlobRef root;

  @BeforeContainer
  static void ingestOnce() throws IOException {
    store = new MapBlobStore();
    data = TestData.textLike(123, 2 << 20);
    // ~2000 chunks under a tiny fanout: a tree six or more levels deep.
    root = new FileIngester(store, SMALL, TINY).ingest(new ByteArrayInputStream(data)).manifest();
  }

  static void ensureIngested() throws IOException {
    if (store == null) {
      ingestOnce();
    }
  }

  @Property(tries = 300)
  void rangeReadsEqualTheOriginalBytes(
      @ForAll @IntRange(min = 0, max = (2 << 20) + 100) int off,
      @ForAll @IntRange(min = 0, max = 50_000) int len,
      @ForAll @IntRange(min = 0, max = 7) int dstOffset)
      throws IOException {
    ManifestReader r = ManifestReader.open(store, root);
    ByteBuffer dst = ByteBuffer.allocate(dstOffset + len);
    dst.position(dstOffset);
    int n = r.read(off, dst);
    if (len == 0) {
      assertEquals(0, n);
      return;
    }
    if (off >= data.length) {
      assertEquals(-1, n);
      return;
    }
    int expected = Math.min(len, data.length - off);
    assertEquals(expected, n);
    assertEquals(dstOffset + expected, dst.position());
    assertTrue(
        Arrays.equals(data, off, off + expected, dst.array(), dstOffset, dstOffset + expected));
  }

  @Test
  void readsIntoDirectBuffersAndAcrossEveryChunkBoundary() throws IOException {
    ensureIngested();
    ManifestReader r = ManifestReader.open(store, root, 1);
    ChunkCursor cur = r.chunks();
    ByteBuffer dst = ByteBuffer.allocateDirect(16);
    byte[] got = new byte[16];
    for (Chunk c = cur.next(); c != null; c = cur.next()) {
      long at = Math.max(0, c.end() - 8);
      dst.clear();
      int n = r.read(at, dst);
      dst.flip().get(got, 0, n);
      assertTrue(Arrays.equals(data, (int) at, (int) at + n, got, 0, n), "at " + at);
    }
  }

  @Test
  void aReadFetchesOnlyOnePathAndItsChunks() throws IOException {
    ensureIngested();
    ManifestReader r = ManifestReader.open(store, root, 0);
    long height = r.root().level();
    long before = store.fetches.get();
    r.read(data.length / 3, ByteBuffer.allocate(1));
    assertEquals(height + 1, store.fetches.get() - before, "nodes below the root + one chunk");
    before = store.fetches.get();
    r.read(data.length / 3, ByteBuffer.allocate(1));
    assertEquals(1, store.fetches.get() - before, "nodes are cached, chunks not (cache 0)");
  }

  @Test
  void concurrentReadsOfOneFileAreCorrect() throws Exception {
    ensureIngested();
    ManifestReader r = ManifestReader.open(store, root);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        fs.add(
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(seed);
                  for (int i = 0; i < 300; i++) {
                    int off = rnd.nextInt(data.length);
                    int len = 1 + rnd.nextInt(10_000);
                    ByteBuffer dst = ByteBuffer.allocate(len);
                    int n = r.read(off, dst);
                    assertTrue(Arrays.equals(data, off, off + n, dst.array(), 0, n));
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void forEachBlobReachesExactlyWhatTheIngestStored() throws IOException {
    ensureIngested();
    Set<BlobRef> reached = new HashSet<>();
    ManifestReader.open(store, root).forEachBlob(reached::add);
    assertEquals(store.blobs.keySet(), reached);
  }

  @Test
  void walkCanSkipSubtrees() throws IOException {
    ensureIngested();
    List<Chunk> chunks = new ArrayList<>();
    ManifestReader.open(store, root)
        .walk(
            new ManifestReader.TreeVisitor() {
              @Override
              public boolean node(BlobRef ref, Manifest node, long offset) {
                return offset == 0;
              }

              @Override
              public void chunk(Chunk chunk) {
                chunks.add(chunk);
              }
            });
    assertTrue(!chunks.isEmpty() && chunks.size() <= 8, "only the first leaf: " + chunks.size());
  }

  @Test
  void badPositionsAreRejected() throws IOException {
    ensureIngested();
    ManifestReader r = ManifestReader.open(store, root);
    assertThrows(IllegalArgumentException.class, () -> r.read(-1, ByteBuffer.allocate(1)));
    assertEquals(-1, r.read(data.length, ByteBuffer.allocate(1)));
    assertEquals(0, r.read(data.length, ByteBuffer.allocate(0)));
  }

  @Test
  void inconsistentTreesAreMalformed() throws IOException {
    MapBlobStore s = new MapBlobStore();
    BlobRef chunk = s.receive(new byte[] {1, 2, 3, 4, 5});
    BlobRef liar = s.receive(Manifest.of(0, List.of(new Manifest.Entry(chunk, 10))).encode());
    ManifestReader r = ManifestReader.open(s, liar);
    MalformedManifestException e =
        assertThrows(MalformedManifestException.class, () -> r.read(0, ByteBuffer.allocate(10)));
    assertTrue(e.getMessage().contains("manifest says 10"), e.getMessage());

    BlobRef leaf = s.receive(Manifest.of(0, List.of(new Manifest.Entry(chunk, 5))).encode());
    BlobRef wrongLength = s.receive(Manifest.of(1, List.of(new Manifest.Entry(leaf, 6))).encode());
    assertThrows(
        MalformedManifestException.class,
        () -> ManifestReader.open(s, wrongLength).read(0, ByteBuffer.allocate(1)));
    BlobRef wrongLevel = s.receive(Manifest.of(2, List.of(new Manifest.Entry(leaf, 5))).encode());
    assertThrows(
        MalformedManifestException.class,
        () -> ManifestReader.open(s, wrongLevel).read(0, ByteBuffer.allocate(1)));
    assertThrows(MalformedManifestException.class, () -> ManifestReader.open(s, chunk));
  }

  @Test
  void corruptChunksSurfaceAsCorruptBlobException() throws IOException {
    MapBlobStore s = new MapBlobStore();
    byte[] content = TestData.random(5, 100_000);
    BlobRef ref =
        new FileIngester(s, SMALL, TINY).ingest(new ByteArrayInputStream(content)).manifest();
    ManifestReader r = ManifestReader.open(s, ref, 0);
    Chunk first = r.chunks().next();
    s.blobs.get(first.ref())[0] ^= 1;
    assertThrows(CorruptBlobException.class, () -> r.read(0, ByteBuffer.allocate(1)));
    byte[] rest = new byte[1000];
    int n = r.read(first.end(), ByteBuffer.wrap(rest));
    assertArrayEquals(
        Arrays.copyOfRange(content, (int) first.end(), (int) first.end() + n),
        Arrays.copyOf(rest, n));
  }
}
