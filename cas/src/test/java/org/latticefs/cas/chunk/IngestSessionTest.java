package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;

/**
 * A session fed while its content is written gives exactly the manifest of a full ingest of the
 * final bytes, however the writes are sized and timed.
 */
class IngestSessionTest {
  static final Chunker SMALL = ChunkerTest.SMALL;
  static final ManifestShape TINY = ManifestTreeTest.TINY;

  /** Small blocks, so most of a few-MiB file is chunked in the background, across many blocks. */
  static final int BLOCK = 16 * 1024;

  @TempDir Path dir;

  /** Writes {@code data[from, to)} to {@code ch} in random pieces, declaring each final. */
  static void writeInPieces(
      FileChannel ch, IngestSession s, byte[] data, int from, SplittableRandom rnd, int maxPiece)
      throws IOException, InterruptedException {
    int pos = from;
    while (pos < data.length) {
      int n = Math.min(data.length - pos, 1 + rnd.nextInt(maxPiece));
      ByteBuffer b = ByteBuffer.wrap(data, pos, n);
      while (b.hasRemaining()) {
        ch.write(b, pos + (b.position() - pos));
      }
      pos += n;
      s.advance(pos);
      // Now and then give the background a chance to catch up (and sometimes not), whatever the
      // piece size.
      if (rnd.nextInt(1 << 20) < n) {
        Thread.yield();
      }
    }
  }

  /** A nanosecond clock that moves only when told to. */
  static final class FakeNanos implements LongSupplier {
    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Override
    public long getAsLong() {
      return now.get();
    }

    void advance(long nanos) {
      now.addAndGet(nanos);
    }
  }

  /** A new, empty source file for a session, open for reading and writing. */
  FileChannel source(String name) throws IOException {
    return FileChannel.open(
        dir.resolve(name),
        StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ,
        StandardOpenOption.WRITE);
  }

  static IngestResult fullIngest(byte[] data) throws IOException {
    Path f = Files.createTempFile("full", ".bin");
    try {
      Files.write(f, data);
      try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
        return new FileIngester(new MapBlobStore(), SMALL, TINY).ingest(ch);
      }
    } finally {
      Files.delete(f);
    }
  }

  @Property(tries = 40)
  void sequentialWritesGiveTheManifestOfAFullIngest(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 3 << 20) int size,
      @ForAll @IntRange(min = 64, max = 300_000) int maxPiece,
      @ForAll boolean textLike,
      @ForAll boolean singleThreaded,
      @ForAll @IntRange(min = 0, max = 1 << 20) int commitEvery)
      throws Exception {
    byte[] data = textLike ? TestData.textLike(seed, size) : TestData.random(seed, size);
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    if (singleThreaded) {
      ing = ing.singleThreaded();
    }
    Path f = Files.createTempFile("session", ".bin");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      IngestSession s = ing.startSession(null, null, 0, ch, BLOCK, commitEvery);
      writeInPieces(ch, s, data, 0, new SplittableRandom(seed), maxPiece);
      IngestResult got = s.finish(data.length);
      s.ended().toCompletableFuture().get(10, TimeUnit.SECONDS);
      IngestResult want = fullIngest(data);
      assertEquals(want.manifest(), got.manifest());
      assertEquals(want.size(), got.size());
      assertEquals(want.chunkCount(), got.chunkCount());
      assertEquals(data.length, got.bytesRead());
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
    } finally {
      Files.delete(f);
    }
  }

  @Property(tries = 30)
  void appendingKeepsTheOldChunksAndGivesTheManifestOfAFullIngest(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 2 << 20) int oldSize,
      @ForAll @IntRange(min = 0, max = 1000) int keepPerMille,
      @ForAll @IntRange(min = 0, max = 2 << 20) int appended,
      @ForAll @IntRange(min = 64, max = 200_000) int maxPiece)
      throws Exception {
    byte[] old = TestData.textLike(seed, oldSize);
    int keep = (int) ((long) oldSize * keepPerMille / 1000);
    byte[] tail = TestData.random(seed + 1, appended);
    byte[] data = new byte[keep + appended];
    System.arraycopy(old, 0, data, 0, keep);
    System.arraycopy(tail, 0, data, keep, appended);
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    IngestResult oldVersion = ing.ingest(new java.io.ByteArrayInputStream(old));
    Path f = Files.createTempFile("append", ".bin");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      // The source holds only the appended bytes: the kept prefix must come from the old version.
      IngestSession s = ing.startSession(store, oldVersion.manifest(), keep, ch, BLOCK, 0);
      writeInPieces(ch, s, data, keep, new SplittableRandom(seed), maxPiece);
      IngestResult got = s.finish(data.length);
      IngestResult want = fullIngest(data);
      assertEquals(want.manifest(), got.manifest());
      assertEquals(want.chunkCount(), got.chunkCount());
      assertTrue(
          got.bytesRead() <= appended + SMALL.maxSize(),
          "read " + got.bytesRead() + " for " + appended + " appended bytes");
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
    } finally {
      Files.delete(f);
    }
  }

  /**
   * Pushed content: the first {@code fromFile} bytes are written to the source and declared final,
   * the rest pushed in random pieces; the result is the manifest of a full ingest.
   */
  @Tag("slow")
  @Property(tries = 30)
  void pushedBytesGiveTheManifestOfAFullIngest(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 3 << 20) int size,
      @ForAll @IntRange(min = 0, max = 1000) int fromFilePerMille,
      @ForAll @IntRange(min = 1, max = 300_000) int maxPiece,
      @ForAll boolean singleThreaded,
      @ForAll @IntRange(min = 0, max = 1 << 20) int commitEvery)
      throws Exception {
    byte[] data = TestData.random(seed, size);
    int fromFile = (int) ((long) size * fromFilePerMille / 1000);
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store, SMALL, TINY);
    if (singleThreaded) {
      ing = ing.singleThreaded();
    }
    Path f = Files.createTempFile("push", ".bin");
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      IngestSession s = ing.startSession(null, null, 0, ch, BLOCK, commitEvery);
      ch.write(ByteBuffer.wrap(data, 0, fromFile), 0);
      s.advance(fromFile);
      s.startPush(fromFile);
      SplittableRandom rnd = new SplittableRandom(seed);
      for (int pos = fromFile; pos < size; ) {
        int n = Math.min(size - pos, 1 + rnd.nextInt(maxPiece));
        s.push(ByteBuffer.wrap(data, pos, n));
        pos += n;
      }
      IngestResult got = s.finish(size);
      IngestResult want = fullIngest(data);
      assertEquals(want.manifest(), got.manifest());
      assertEquals(want.chunkCount(), got.chunkCount());
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
      assertEquals(fromFile, ch.size(), "pushed bytes never go to the source");
    } finally {
      Files.delete(f);
    }
  }

  @Test
  void aPusherWaitsForTheSessionAndNeverTimesOut() throws Exception {
    byte[] data = TestData.random(21, 40 << 20);
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("pushwait.bin")) {
      FileIngester ing = new FileIngester(store, SMALL, TINY);
      // An idle timeout of 50 ms, which a pushing session must ignore.
      FakeNanos clock = new FakeNanos();
      IngestSession s =
          new IngestSession(
              ing, null, null, 0, ch, BLOCK, 0, TimeUnit.MILLISECONDS.toNanos(50), clock);
      s.start();
      s.startPush(0);
      s.push(ByteBuffer.wrap(data, 0, 1000));
      Poll.until(() -> s.consumed() == 1000, Duration.ofSeconds(20), () -> "pushed bytes read");
      // The session waits for more pushed bytes: a long time passes without any.
      clock.advance(TimeUnit.SECONDS.toNanos(10));
      // More than the queue holds: push must wait for the session rather than fail or buffer it.
      s.push(ByteBuffer.wrap(data, 1000, data.length - 1000));
      IngestResult got = s.finish(data.length);
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
    }
  }

  @Test
  void pushingToAFailedSessionThrowsInsteadOfWaiting() throws Exception {
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("pushfail.bin")) {
      IngestSession s =
          new FileIngester(store, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 0);
      s.startPush(0);
      s.push(ByteBuffer.wrap(new byte[1000]));
      s.close();
      byte[] lots = new byte[IngestSession.PUSH_QUEUE_BYTES * 2];
      assertThrows(IOException.class, () -> s.push(ByteBuffer.wrap(lots)));
      assertThrows(IOException.class, () -> s.finish(1000));
    }
  }

  @Test
  void pushRequiresStartPushAtTheFinalLength() throws Exception {
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("pushstate.bin")) {
      IngestSession s =
          new FileIngester(store, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 0);
      assertThrows(IllegalStateException.class, () -> s.push(ByteBuffer.wrap(new byte[1])));
      assertThrows(IllegalStateException.class, () -> s.startPush(5));
      s.startPush(0);
      s.push(ByteBuffer.wrap(new byte[10]));
      assertThrows(IllegalArgumentException.class, () -> s.finish(11));
      assertEquals(10, s.finish(10).size());
    }
  }

  @Test
  void aLargeFileWithTheDefaultChunkerMatchesAFullIngest() throws Exception {
    byte[] data = TestData.random(7, 24 << 20);
    MapBlobStore store = new MapBlobStore();
    FileIngester ing = new FileIngester(store);
    Path f = dir.resolve("big.bin");
    try (FileChannel ch =
        FileChannel.open(
            f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      IngestSession s = ing.startSession(ch);
      writeInPieces(ch, s, data, 0, new SplittableRandom(7), 128 * 1024);
      // Most of it was ingested while "writing".
      IngestResult got = s.finish(data.length);
      try (FileChannel r = FileChannel.open(f, StandardOpenOption.READ)) {
        IngestResult want = new FileIngester(new MapBlobStore()).ingest(r);
        assertEquals(want.manifest(), got.manifest());
        assertEquals(want.chunkCount(), got.chunkCount());
      }
    }
  }

  @Test
  void chunksAreStoredBeforeTheWriterFinishes() throws Exception {
    byte[] data = TestData.random(3, 1 << 20);
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("early.bin")) {
      IngestSession s =
          new FileIngester(store, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 0);
      ch.write(ByteBuffer.wrap(data), 0);
      s.advance(data.length);
      // All but the last block and a max-chunk of lookahead can be stored before finish.
      Poll.until(
          () -> store.newBytes.get() >= data.length - BLOCK - SMALL.maxSize(),
          Duration.ofSeconds(20),
          () -> "only " + store.newBytes.get() + " bytes ingested in the background");
      assertEquals(0, store.commits.get(), "nothing committed before finish");
      IngestResult got = s.finish(data.length);
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
    }
  }

  @Test
  void aLongSessionCommitsItsChunksWhileTheWriterWrites() throws Exception {
    byte[] data = TestData.random(12, 2 << 20);
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("interim.bin")) {
      IngestSession s =
          new FileIngester(store, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 256 << 10);
      ch.write(ByteBuffer.wrap(data), 0);
      s.advance(data.length);
      Poll.until(
          () -> store.commits.get() > 0, Duration.ofSeconds(20), () -> "no commit before finish");
      IngestResult got = s.finish(data.length);
      assertEquals(fullIngest(data).manifest(), got.manifest());
      assertArrayEquals(data, FileIngesterTest.readAll(store, got.manifest()));
    }
  }

  @Test
  void aFailedBackgroundCommitFailsTheSession() throws Exception {
    byte[] data = TestData.random(13, 2 << 20);
    MapBlobStore store = new MapBlobStore();
    org.latticefs.cas.BlobReceiver failing =
        new org.latticefs.cas.BlobReceiver() {
          @Override
          public org.latticefs.cas.BlobRef receive(byte[] b, int off, int len) {
            return store.receive(b, off, len);
          }

          @Override
          public org.latticefs.cas.BlobRef receive(java.io.InputStream in) throws IOException {
            return store.receive(in);
          }

          @Override
          public org.latticefs.cas.BlobBatch newBatch() {
            return new org.latticefs.cas.BlobBatch() {
              @Override
              public org.latticefs.cas.BlobRef receive(byte[] b, int off, int len) {
                return store.receive(b, off, len);
              }

              @Override
              public void commit() throws IOException {
                throw new IOException("disk on fire");
              }

              @Override
              public void close() {}
            };
          }
        };
    try (FileChannel ch = source("failing.bin")) {
      IngestSession s =
          new FileIngester(failing, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 64 << 10);
      ch.write(ByteBuffer.wrap(data), 0);
      s.advance(data.length);
      IOException e = assertThrows(IOException.class, () -> s.finish(data.length));
      assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    }
  }

  @Test
  void anAbandonedSessionCommitsNothingAndFinishThrows() throws Exception {
    byte[] data = TestData.random(4, 512 << 10);
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("abandoned.bin")) {
      IngestSession s =
          new FileIngester(store, SMALL, TINY).startSession(null, null, 0, ch, BLOCK, 0);
      ch.write(ByteBuffer.wrap(data), 0);
      s.advance(data.length);
      s.close();
      assertThrows(
          Exception.class, () -> s.ended().toCompletableFuture().get(10, TimeUnit.SECONDS));
      assertTrue(s.failed());
      assertThrows(IOException.class, () -> s.finish(data.length));
      assertEquals(0, store.commits.get());
      assertTrue(ch.isOpen(), "the caller's channel stays open");
    }
  }

  @Test
  void anIdleSessionGivesUpAndFinishReportsIt() throws Exception {
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("idle.bin")) {
      FileIngester ing = new FileIngester(store, SMALL, TINY);
      IngestSession s =
          new IngestSession(
              ing,
              null,
              null,
              0,
              ch,
              BLOCK,
              0,
              TimeUnit.MILLISECONDS.toNanos(50),
              System::nanoTime);
      s.start();
      ch.write(ByteBuffer.wrap(new byte[100]), 0);
      s.advance(100);
      assertThrows(
          Exception.class, () -> s.ended().toCompletableFuture().get(10, TimeUnit.SECONDS));
      IOException e = assertThrows(IOException.class, () -> s.finish(100));
      assertTrue(e.getMessage().contains("no new content"), e.getMessage());
    }
  }

  @Test
  void aSlowWriterIsNotIdle() throws Exception {
    byte[] data = TestData.random(14, 3000);
    MapBlobStore store = new MapBlobStore();
    try (FileChannel ch = source("slow.bin")) {
      FileIngester ing = new FileIngester(store, SMALL, TINY);
      FakeNanos clock = new FakeNanos();
      IngestSession s =
          new IngestSession(
              ing, null, null, 0, ch, BLOCK, 0, TimeUnit.MILLISECONDS.toNanos(10), clock);
      s.start();
      // 30 pieces 4 ms apart: far longer than the idle timeout in all, never idle for that long.
      // After each, the session looks again (it waits at most the 10 ms left, in real time).
      for (int p = 0; p < data.length; p += 100) {
        ch.write(ByteBuffer.wrap(data, p, 100), p);
        s.advance(p + 100);
        clock.advance(TimeUnit.MILLISECONDS.toNanos(4));
        long checks = s.contentChecks();
        Poll.until(
            () -> s.contentChecks() > checks || s.failed(),
            Duration.ofSeconds(20),
            () -> "the session never looked for content again");
        assertFalse(s.failed(), "gave up on a slow writer after " + (p + 100) + " bytes");
      }
      assertEquals(fullIngest(data).manifest(), s.finish(data.length).manifest());
    }
  }

  @Test
  void finishBelowWhatWasDeclaredFinalIsRejected() throws Exception {
    try (FileChannel ch = source("short.bin")) {
      IngestSession s =
          new FileIngester(new MapBlobStore(), SMALL, TINY)
              .startSession(null, null, 0, ch, BLOCK, 0);
      ch.write(ByteBuffer.wrap(new byte[10]), 0);
      s.advance(10);
      assertThrows(IllegalArgumentException.class, () -> s.finish(5));
      s.close();
    }
  }

  @Test
  void keepWithoutAnOldVersionIsRejected() throws Exception {
    Path f = dir.resolve("x.bin");
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      FileIngester ing = new FileIngester(new MapBlobStore(), SMALL, TINY);
      assertThrows(IllegalArgumentException.class, () -> ing.startSession(null, null, 5, ch));
    }
  }
}
