package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

class FileIngesterTest {
  static final Chunker SMALL = ChunkerTest.SMALL;
  static final ManifestShape TINY = ManifestTreeTest.TINY;

  @TempDir Path dir;

  static byte[] readAll(MapBlobStore store, BlobRef root) throws IOException {
    ManifestReader r = ManifestReader.open(store, root);
    ByteBuffer buf = ByteBuffer.allocate((int) r.size());
    while (buf.hasRemaining()) {
      assertTrue(r.read(buf.position(), buf) > 0);
    }
    return buf.array();
  }

  static FileChannel channel(Path p) throws IOException {
    return FileChannel.open(p, StandardOpenOption.READ);
  }

  @Test
  void ingestStoresChunksAndManifestInOneBatch() throws IOException {
    MapBlobStore store = new MapBlobStore();
    byte[] data = TestData.textLike(5, 3 << 20);
    List<Chunk> reported = new ArrayList<>();
    IngestResult r =
        new FileIngester(store, SMALL, TINY).ingest(new ByteArrayInputStream(data), reported::add);
    assertEquals(data.length, r.size());
    assertEquals(data.length, r.bytesRead());
    assertEquals(reported.size(), r.chunkCount());
    assertEquals(r.chunkCount(), r.chunksReceived());
    assertEquals(1, store.commits.get());
    assertArrayEquals(data, readAll(store, r.manifest()));
    List<Chunk> expected = new ArrayList<>();
    SMALL.split(new ByteArrayInputStream(data), expected::add);
    TestData.assertSameChunks(expected, reported);
  }

  @Test
  void ingestIsIdempotent() throws IOException {
    MapBlobStore store = new MapBlobStore();
    byte[] data = TestData.random(9, 5 << 20);
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    IngestResult first = ing.ingest(new ByteArrayInputStream(data));
    long blobs = store.blobs.size();
    long bytes = store.newBytes.get();
    IngestResult second = ing.ingest(new ByteArrayInputStream(data));
    assertEquals(first.manifest(), second.manifest());
    assertEquals(blobs, store.blobs.size(), "second ingest stored new blobs");
    assertEquals(bytes, store.newBytes.get());
  }

  @Test
  void everyWayInGivesTheSameManifest() throws IOException {
    // 10 MiB spans several 4 MiB blocks, so the pipelined path hands blocks across threads.
    byte[] data = TestData.textLike(11, 10 << 20);
    Path f = dir.resolve("f");
    Files.write(f, data);
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    BlobRef fromStream = ing.ingest(ChunkerTest.trickle(data, 3)).manifest();
    BlobRef single = ing.singleThreaded().ingest(new ByteArrayInputStream(data)).manifest();
    BlobRef threeWriters = ing.withWriters(3).ingest(new ByteArrayInputStream(data)).manifest();
    assertEquals(fromStream, threeWriters);
    BlobRef fromChannel;
    try (FileChannel ch = channel(f)) {
      ch.position(12345);
      fromChannel = ing.ingest(ch).manifest();
      assertEquals(12345, ch.position(), "the channel position is left alone");
    }
    BlobRef hashOnly =
        FileIngester.hashOnly(SMALL, TINY).ingest(new ByteArrayInputStream(data)).manifest();
    assertEquals(fromStream, single);
    assertEquals(fromStream, fromChannel);
    assertEquals(fromStream, hashOnly);
    assertArrayEquals(data, readAll(store, fromStream));
  }

  @Test
  void channelIngestOfAnySizeMatchesStreamIngest() throws IOException {
    FileIngester ing = FileIngester.hashOnly(SMALL, TINY);
    for (int size : new int[] {0, 1, 255, 256, 257, 4095, 4096, 4097, 8191, 8192, 8193, 100_000}) {
      byte[] data = TestData.textLike(size, size);
      Path f = dir.resolve("s" + size);
      Files.write(f, data);
      try (FileChannel ch = channel(f)) {
        assertEquals(
            ing.ingest(new ByteArrayInputStream(data)).manifest(),
            ing.ingest(ch).manifest(),
            "size " + size);
      }
    }
  }

  @Tag("slow")
  @Test
  void ingestIntoARealDiskStoreIsDurableReadableAndIdempotent() throws IOException {
    byte[] data = TestData.random(21, 6 << 20);
    Path f = dir.resolve("src");
    Files.write(f, data);
    Path storeDir = dir.resolve("store");
    IngestResult first;
    long blobs;
    try (org.latticefs.cas.store.DiskBlobStore store =
            org.latticefs.cas.store.DiskBlobStore.open(storeDir);
        FileChannel ch = channel(f)) {
      FileIngester ing = new FileIngester(store, SMALL, ManifestShape.DEFAULT);
      first = ing.ingest(ch);
      blobs = store.blobCount();
      assertEquals(first.manifest(), ing.ingest(ch).manifest());
      assertEquals(blobs, store.blobCount(), "the second ingest stored new blobs");
      assertEquals(0, store.openBatches());
    }
    try (org.latticefs.cas.store.DiskBlobStore store =
        org.latticefs.cas.store.DiskBlobStore.open(storeDir)) {
      assertEquals(blobs, store.blobCount());
      ManifestReader r = ManifestReader.open(store, first.manifest());
      ByteBuffer all = ByteBuffer.allocate(data.length);
      while (all.hasRemaining()) {
        r.read(all.position(), all);
      }
      assertArrayEquals(data, all.array());
    }
  }

  @Test
  void emptyInputIsTheEmptyManifest() throws IOException {
    MapBlobStore store = new MapBlobStore();
    IngestResult r = new FileIngester(store).ingest(InputStream.nullInputStream());
    assertEquals(Blake3.hash(Manifest.empty().encode()), r.manifest());
    assertEquals(0, r.size());
    assertEquals(0, r.chunkCount());
    ManifestReader reader = ManifestReader.open(store, r.manifest());
    assertEquals(0, reader.size());
    assertEquals(-1, reader.read(0, ByteBuffer.allocate(10)));
  }

  @Test
  void aFailingInputFailsTheIngestAndStopsTheHelperThread() {
    MapBlobStore store = new MapBlobStore();
    byte[] data = TestData.random(1, 12 << 20);
    InputStream failing =
        new ByteArrayInputStream(data) {
          @Override
          public synchronized int read(byte[] b, int off, int len) {
            if (pos > 9 << 20) {
              throw new java.io.UncheckedIOException(new IOException("disk on fire"));
            }
            return super.read(b, off, len);
          }
        };
    InputStream io =
        new InputStream() {
          @Override
          public int read() {
            throw new AssertionError();
          }

          @Override
          public int read(byte[] b, int off, int len) throws IOException {
            try {
              return failing.read(b, off, len);
            } catch (java.io.UncheckedIOException e) {
              throw e.getCause();
            }
          }
        };
    IOException e =
        assertThrows(IOException.class, () -> new FileIngester(store, SMALL, TINY).ingest(io));
    assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    assertEquals(0, store.commits.get());
    // The helpers are stopped before ingest returns; a pool thread may still be between
    // "terminated" and "dead" for an instant, so allow it a bounded moment to finish exiting.
    long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
    while (helpersAlive() && System.nanoTime() < deadline) {
      Thread.onSpinWait();
      Thread.yield();
    }
    assertTrue(!helpersAlive(), "helper thread left running");
  }

  private static boolean helpersAlive() {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().startsWith("lattice-chunk") && t.isAlive());
  }

  /** An edit: new content plus the (changeStart, changeEnd, delta) that describes it. */
  record Edit(byte[] content, long start, long end, long delta) {}

  static Edit edit(byte[] old, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    int pos = old.length == 0 ? 0 : r.nextInt(old.length + 1);
    int len = 1 + r.nextInt(r.nextBoolean() ? 20 : 20_000);
    byte[] junk = TestData.random(seed, len);
    switch (r.nextInt(5)) {
      case 0: // insert
        {
          byte[] n = new byte[old.length + len];
          System.arraycopy(old, 0, n, 0, pos);
          System.arraycopy(junk, 0, n, pos, len);
          System.arraycopy(old, pos, n, pos + len, old.length - pos);
          return new Edit(n, pos, pos + len, len);
        }
      case 1: // delete
        {
          len = Math.min(len, old.length - pos);
          byte[] n = new byte[old.length - len];
          System.arraycopy(old, 0, n, 0, pos);
          System.arraycopy(old, pos + len, n, pos, old.length - pos - len);
          return new Edit(n, pos, pos, -len);
        }
      case 2: // overwrite in place, possibly extending the file
        {
          byte[] n = java.util.Arrays.copyOf(old, Math.max(old.length, pos + len));
          System.arraycopy(junk, 0, n, pos, len);
          return new Edit(n, pos, pos + len, n.length - old.length);
        }
      case 3: // truncate
        {
          return new Edit(java.util.Arrays.copyOf(old, pos), pos, pos, pos - old.length);
        }
      default: // append
        {
          byte[] n = java.util.Arrays.copyOf(old, old.length + len);
          System.arraycopy(junk, 0, n, old.length, len);
          return new Edit(n, old.length, n.length, len);
        }
    }
  }

  @Property(tries = 150)
  void reingestEqualsAFullIngest(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 400_000) int size,
      @ForAll @IntRange(min = 1, max = 3) int edits)
      throws IOException {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    byte[] content = TestData.textLike(seed, size);
    BlobRef ref = ing.ingest(new ByteArrayInputStream(content)).manifest();
    Path f = Files.createTempFile("reingest", ".bin");
    try {
      for (int i = 0; i < edits; i++) {
        Edit e = edit(content, seed + i);
        Files.write(f, e.content());
        IngestResult inc;
        try (FileChannel ch = channel(f)) {
          inc = ing.reingest(store, ref, ch, e.start(), e.end(), e.delta());
        }
        IngestResult full =
            new FileIngester(new MapBlobStore(), SMALL, TINY)
                .ingest(new ByteArrayInputStream(e.content()));
        assertEquals(
            full.manifest(), inc.manifest(), "edit " + i + " " + e.start() + ".." + e.end());
        assertEquals(full.chunkCount(), inc.chunkCount());
        assertEquals(e.content().length, inc.size());
        content = e.content();
        ref = inc.manifest();
      }
      assertArrayEquals(content, readAll(store, ref));
    } finally {
      Files.delete(f);
    }
  }

  @Test
  void reingestReadsOnlyTheRegionAroundAnEdit() throws IOException {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store);
    byte[] old = TestData.random(77, 64 << 20);
    BlobRef ref = ing.ingest(new ByteArrayInputStream(old)).manifest();
    long chunksBefore = store.newBlobs.get();
    int at = old.length / 2;
    byte[] n = new byte[old.length + 1];
    System.arraycopy(old, 0, n, 0, at);
    n[at] = 42;
    System.arraycopy(old, at, n, at + 1, old.length - at);
    Path f = dir.resolve("big");
    Files.write(f, n);
    IngestResult r;
    try (FileChannel ch = channel(f)) {
      r = ing.reingest(store, ref, ch, at, at + 1, 1);
    }
    assertTrue(r.bytesRead() <= 3 * Chunker.DEFAULT.maxSize(), "read " + r.bytesRead());
    assertTrue(r.chunksReceived() <= 3, "received " + r.chunksReceived());
    assertEquals(
        new FileIngester(new MapBlobStore()).ingest(new ByteArrayInputStream(n)).manifest(),
        r.manifest());
    long newBlobs = store.newBlobs.get() - chunksBefore;
    // <= 3 new chunks plus the rewritten leaf and root.
    assertTrue(newBlobs <= 5, "new blobs " + newBlobs);
  }

  @Test
  void reingestRejectsInconsistentArguments() throws IOException {
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    byte[] data = TestData.random(1, 10_000);
    BlobRef ref = ing.ingest(new ByteArrayInputStream(data)).manifest();
    Path f = dir.resolve("f");
    Files.write(f, data);
    try (FileChannel ch = channel(f)) {
      assertThrows(IllegalArgumentException.class, () -> ing.reingest(store, ref, ch, 0, 10, 5));
      assertThrows(IllegalArgumentException.class, () -> ing.reingest(store, ref, ch, 10, 5, 0));
      assertThrows(
          IllegalArgumentException.class, () -> ing.reingest(store, ref, ch, 0, 10_001, 0));
      assertEquals(ref, ing.reingest(store, ref, ch, 5000, 5000, 0).manifest());
    }
  }
}
