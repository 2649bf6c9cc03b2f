package org.latticefs.fs.content;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.MemoryBlobStore;

/**
 * The read path of a stored version ({@link ContentReader}) over a fetcher that records what it is
 * asked: random reads fetch only the ranges they need, sequential reads whole chunks (each once,
 * ahead of the reader), and failures are reported, never cached.
 */
class ContentReaderTest {
  private static final int SIZE = 8 << 20;

  @TempDir Path dir;
  private final MemoryBlobStore blobs = new MemoryBlobStore();
  private final Recording fetcher = new Recording(blobs);
  private ContentReaders contents;
  private byte[] data;
  private BlobRef manifest;
  private List<Chunk> chunks;

  /** Records chunk fetches (whole and ranged); can make one chunk fail. */
  static final class Recording implements BlobFetcher {
    record Call(BlobRef ref, boolean whole, long offset, int length) {}

    final BlobFetcher source;
    final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
    volatile Set<BlobRef> chunkRefs = Set.of();
    volatile BlobRef failing;

    Recording(BlobFetcher source) {
      this.source = source;
    }

    @Override
    public byte[] fetch(BlobRef ref) throws IOException {
      if (chunkRefs.contains(ref)) {
        calls.add(new Call(ref, true, 0, -1));
      }
      if (ref.equals(failing)) {
        throw new CorruptBlobException(ref, "made to fail by the test");
      }
      return source.fetch(ref);
    }

    @Override
    public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
      calls.add(new Call(ref, false, offset, length));
      if (ref.equals(failing)) {
        throw new CorruptBlobException(ref, "made to fail by the test");
      }
      return source.fetchRange(ref, offset, length);
    }

    long wholeFetches() {
      return calls.stream().filter(Call::whole).count();
    }

    long rangeFetches() {
      return calls.stream().filter(c -> !c.whole()).count();
    }
  }

  @BeforeEach
  void store() throws IOException {
    contents = new ContentReaders(fetcher, fetcher);
    data = new byte[SIZE];
    new Random(42).nextBytes(data);
    Path f = dir.resolve("content");
    Files.write(f, data);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      manifest = new FileIngester(blobs).ingest(ch).manifest();
    }
    chunks = contents.open(manifest).chunks();
    assertTrue(chunks.size() >= 8, "enough chunks to cross boundaries: " + chunks.size());
    fetcher.chunkRefs = chunks.stream().map(Chunk::ref).collect(Collectors.toSet());
  }

  @AfterEach
  void close() {
    contents.close();
  }

  private byte[] read(ContentReader r, long pos, int len) throws IOException {
    ByteBuffer dst = ByteBuffer.allocateDirect(len);
    int n = r.read(pos, dst);
    assertEquals(Math.min(len, SIZE - pos), n);
    byte[] out = new byte[n];
    dst.flip().get(out);
    return out;
  }

  private byte[] expected(long pos, int len) {
    return Arrays.copyOfRange(data, (int) pos, (int) Math.min(SIZE, pos + len));
  }

  @Test
  void randomRangesAcrossChunkBoundariesAreTheFileBytesAndFetchOnlyThoseRanges()
      throws IOException {
    // No slack: in a file this small every read would be near an earlier one.
    ContentReader r = contents.open(manifest, 1 << 20, 0);
    Random rnd = new Random(7);
    int reads = 0;
    long bytesRead = 0;
    for (Chunk c : chunks.subList(1, chunks.size())) {
      // Straddling each boundary: a little of the previous chunk, a little of this one.
      long pos = c.offset() - 1 - rnd.nextInt(5000);
      int len = 2 + rnd.nextInt(9000);
      assertArrayEquals(expected(pos, len), read(r, pos, len), "read at " + pos + " + " + len);
      reads++;
      bytesRead += len;
    }
    // Spanning several whole chunks at once, and random small reads anywhere.
    long wide = chunks.get(2).offset() - 10;
    assertArrayEquals(expected(wide, 3 << 20), read(r, wide, 3 << 20));
    bytesRead += 3 << 20;
    for (int i = 0; i < 200; i++) {
      long pos = (long) rnd.nextInt(SIZE - 4096);
      assertArrayEquals(expected(pos, 4096), read(r, pos, 4096));
      bytesRead += 4096;
    }
    assertArrayEquals(expected(SIZE - 100, 4096), read(r, SIZE - 100, 4096), "short at the end");
    bytesRead += 100;
    assertEquals(-1, r.read(SIZE, ByteBuffer.allocate(10)));
    // Nothing read whole: each read asked for exactly its bytes, split at chunk boundaries.
    assertEquals(0, fetcher.wholeFetches(), "whole-chunk fetches");
    assertEquals(bytesRead, fetcher.calls.stream().mapToLong(Recording.Call::length).sum());
    assertTrue(fetcher.rangeFetches() >= reads * 2L + 200, "each boundary read is two ranges");
  }

  @Test
  void aSequentialReaderFetchesEachChunkWholeAndOnce() throws IOException {
    ContentReader r = contents.open(manifest, 1 << 20);
    ByteBuffer all = ByteBuffer.allocate(SIZE);
    ByteBuffer buf = ByteBuffer.allocateDirect(128 * 1024);
    for (long pos = 0; pos < SIZE; ) {
      buf.clear();
      int n = r.read(pos, buf);
      assertTrue(n > 0);
      all.put(buf.flip());
      pos += n;
    }
    assertArrayEquals(data, all.array());
    assertEquals(0, fetcher.rangeFetches(), "range fetches");
    Map<BlobRef, Long> perChunk =
        fetcher.calls.stream()
            .collect(Collectors.groupingBy(Recording.Call::ref, Collectors.counting()));
    assertEquals(fetcher.chunkRefs, perChunk.keySet(), "every chunk fetched");
    for (var e : perChunk.entrySet()) {
      long copies = chunks.stream().filter(c -> c.ref().equals(e.getKey())).count();
      assertEquals(copies, e.getValue(), "chunk fetched once per place it appears: " + e.getKey());
    }
  }

  @Test
  void aJumpReadsRandomlyThenTheNewStreamReadsWholeChunks() throws IOException {
    ContentReader r = contents.open(manifest, 0);
    assertArrayEquals(expected(0, 65536), read(r, 0, 65536));
    assertArrayEquals(expected(65536, 65536), read(r, 65536, 65536));
    assertEquals(0, fetcher.rangeFetches(), "a read from 0 and its successor are sequential");
    fetcher.calls.clear();

    long jump = 6L << 20 | 12345;
    assertArrayEquals(expected(jump, 4096), read(r, jump, 4096));
    assertEquals(1, fetcher.rangeFetches(), "a jump is random: " + fetcher.calls);
    assertEquals(0, fetcher.wholeFetches());
    fetcher.calls.clear();

    assertArrayEquals(expected(jump + 4096, 4096), read(r, jump + 4096, 4096));
    assertEquals(0, fetcher.wholeFetches(), "one read after a jump may be chance: still random");
    fetcher.calls.clear();

    assertArrayEquals(expected(jump + 8192, 65536), read(r, jump + 8192, 65536));
    assertEquals(0, fetcher.rangeFetches(), "the third read of a run is sequential");
    assertTrue(fetcher.wholeFetches() >= 1);
    fetcher.calls.clear();

    // The first stream is still known: continuing it is sequential too.
    assertArrayEquals(expected(131072, 65536), read(r, 131072, 65536));
    assertEquals(0, fetcher.rangeFetches(), "range fetches");
  }

  @Test
  void concurrentSequentialReadersGetTheFileBytes() throws Exception {
    ContentReader r = contents.open(manifest, 2 << 20);
    AtomicInteger failures = new AtomicInteger();
    Map<Integer, Throwable> errors = new ConcurrentHashMap<>();
    Thread[] threads = new Thread[4];
    for (int t = 0; t < threads.length; t++) {
      int me = t;
      threads[t] =
          new Thread(
              () -> {
                try {
                  // Each thread streams its own quarter; the kernel's FUSE threads look like this.
                  int quarter = SIZE / threads.length;
                  for (long pos = (long) me * quarter; pos < (long) (me + 1) * quarter; ) {
                    byte[] got = read(r, pos, 131072);
                    if (!Arrays.equals(expected(pos, 131072), got)) {
                      failures.incrementAndGet();
                    }
                    pos += got.length;
                  }
                } catch (Throwable e) {
                  errors.put(me, e);
                }
              });
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(Map.of(), errors);
    assertEquals(0, failures.get());
  }

  @Test
  void closingStopsReadaheadAndAReadWaitingForItFetchesItself() throws Exception {
    // Fetches ahead wait at a gate that never opens (until the end): those running when the
    // readers close are interrupted, those queued are cancelled.
    CountDownLatch gate = new CountDownLatch(1);
    BlobFetcher gated =
        new BlobFetcher() {
          @Override
          public byte[] fetch(BlobRef ref) throws IOException {
            if (Thread.currentThread().getName().equals(ContentReaders.READAHEAD_THREAD)) {
              try {
                gate.await();
              } catch (InterruptedException e) {
                throw new java.io.InterruptedIOException("interrupted");
              }
            }
            return fetcher.fetch(ref);
          }
        };
    ContentReaders gatedContents = new ContentReaders(fetcher, gated);
    try {
      ContentReader r = gatedContents.open(manifest, 8 << 20);
      ByteBuffer small = ByteBuffer.allocate(4096);
      for (int i = 0; i < 6; i++) {
        // Six reads inside the first chunk (which the reader fetches itself) ramp the readahead to
        // the whole 8 MiB: more chunks than threads, all held at the gate or queued.
        assertEquals(4096, r.read(i * 4096L, small.clear()));
      }
      assertTrue(chunks.get(0).length() >= 6 * 4096);
      gatedContents.close();
      ByteBuffer buf = ByteBuffer.allocate(131072);
      assertTimeoutPreemptively(
          java.time.Duration.ofSeconds(30),
          () -> {
            ByteBuffer all = ByteBuffer.allocate(SIZE);
            for (long pos = 0; pos < SIZE; ) {
              buf.clear();
              int n = r.read(pos, buf);
              all.put(buf.flip());
              pos += n;
            }
            assertArrayEquals(data, all.array());
          });
    } finally {
      gate.countDown();
    }
  }

  @Test
  void aFailingChunkFailsTheReadsThatNeedItAndIsNotRemembered() throws IOException {
    Chunk bad = chunks.get(3);
    fetcher.failing = bad.ref();
    ContentReader r = contents.open(manifest, 4 << 20);
    // Sequential: the chunks before it read fine (while it fails ahead), then its bytes fail.
    long pos = 0;
    while (pos + 131072 <= bad.offset()) {
      assertArrayEquals(expected(pos, 131072), read(r, pos, 131072));
      pos += 131072;
    }
    long at = pos;
    assertThrows(CorruptBlobException.class, () -> read(r, at, 131072));
    // Random: a range inside it fails too.
    ContentReader r2 = contents.open(manifest, 0);
    assertThrows(CorruptBlobException.class, () -> read(r2, bad.offset() + 7, 100));
    // Once the chunk is good again, both read it: the failure was not kept.
    fetcher.failing = null;
    assertArrayEquals(expected(at, 131072), read(r, at, 131072));
    assertArrayEquals(expected(bad.offset() + 7, 100), read(r2, bad.offset() + 7, 100));
  }
}
