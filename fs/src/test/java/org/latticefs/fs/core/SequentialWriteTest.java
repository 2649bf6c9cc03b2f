package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDWR;
import static org.latticefs.fs.core.FsFixture.O_WRONLY;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestShape;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;

/**
 * Sequential writers are ingested in the background and get exactly the manifest an ordinary ingest
 * gives; every other pattern falls back to the ordinary commit with the right content.
 */
class SequentialWriteTest extends DirectFsTest {
  static final int MIB = 1 << 20;
  static final int PIECE = 128 * 1024;
  static final int O_TRUNC = 01000;

  @Override
  String store() {
    return "/s";
  }

  /** Writes {@code data[from, to)} at the same offsets in FUSE-sized pieces. */
  void writeSequentially(long fh, byte[] data, int from, int to) throws IOException {
    for (int p = from; p < to; p += PIECE) {
      int n = Math.min(PIECE, to - p);
      ByteBuffer b = ByteBuffer.wrap(data, p, n);
      while (b.hasRemaining()) {
        fs.write(fh, b.position(), b);
      }
    }
  }

  /** The manifest an ordinary full ingest of {@code data} gives. */
  static BlobRef fullIngest(byte[] data) throws IOException {
    return FileIngester.hashOnly(Chunker.DEFAULT, ManifestShape.DEFAULT)
        .ingest(new ByteArrayInputStream(data))
        .manifest();
  }

  /** The manifest of {@code data} with {@code [holeStart, holeEnd)} a hole. */
  BlobRef ingestWithHole(byte[] data, int holeStart, int holeEnd) throws IOException {
    Path file = Files.createTempFile(staging, "expected", ".bin");
    Files.write(file, data);
    try (FileChannel ch = FileChannel.open(file)) {
      var session = FileIngester.hashOnly(Chunker.DEFAULT, ManifestShape.DEFAULT).startSession(ch);
      session.advance(holeStart);
      session.appendHole(holeEnd - holeStart);
      session.advance(data.length);
      return session.finish(data.length).manifest();
    } finally {
      Files.delete(file);
    }
  }

  void assertStored(String path, byte[] expected) throws IOException {
    assertArrayEquals(expected, f.get(path), "content of " + path);
    assertEquals(fullIngest(expected), fs.describe(path).inode().manifest(), "manifest");
  }

  @Test
  void aSequentialWriterIsIngestedInTheBackgroundWithTheManifestOfAFullIngest() throws Exception {
    byte[] data = random(24 * MIB + 12345, 1);
    long fh = fs.create("/s/big.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, data.length);
    fs.fsync(fh);
    fs.release(fh);
    assertEquals(1, fs.backgroundIngests());
    assertStored("/s/big.bin", data);
  }

  @Test
  void seekingBackToOverwriteFallsBackToAnOrdinaryCommit() throws Exception {
    byte[] data = random(20 * MIB, 2);
    long fh = fs.create("/s/f.bin", 0644, O_RDWR, ME);
    writeSequentially(fh, data, 0, 12 * MIB);
    byte[] patch = random(5000, 3);
    System.arraycopy(patch, 0, data, MIB + 7, patch.length);
    f.write(fh, MIB + 7, patch);
    writeSequentially(fh, data, 12 * MIB, data.length);
    fs.release(fh);
    // The session held the run's bytes: it was checkpointed first (one finished session).
    assertEquals(1, fs.backgroundIngests());
    assertStored("/s/f.bin", data);
  }

  @Test
  void truncatingDuringASequentialRunFallsBack() throws Exception {
    byte[] data = random(20 * MIB, 4);
    long fh = fs.create("/s/t.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, 12 * MIB);
    fs.ftruncate(fh, 10 * MIB);
    writeSequentially(fh, data, 10 * MIB, data.length);
    fs.release(fh);
    // The session held the run's bytes: it was checkpointed first (one finished session).
    assertEquals(1, fs.backgroundIngests());
    assertStored("/s/t.bin", data);
  }

  @Test
  void writingPastTheEndLeavesAHoleOfZerosAndFallsBack() throws Exception {
    byte[] data = random(30 * MIB, 5);
    Arrays.fill(data, 10 * MIB, 12 * MIB, (byte) 0);
    long fh = fs.create("/s/h.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, 10 * MIB);
    writeSequentially(fh, data, 12 * MIB, data.length);
    fs.release(fh);
    // The session held the run's bytes: it was checkpointed first (one finished session).
    assertEquals(1, fs.backgroundIngests());
    // The bytes never written are a hole: read as zeros, not stored.
    assertArrayEquals(data, f.get("/s/h.bin"));
    assertEquals(
        ingestWithHole(data, 10 * MIB, 12 * MIB), fs.describe("/s/h.bin").inode().manifest());
    assertEquals(28L * MIB, fs.getattr("/s/h.bin").blocks() * 512);
  }

  @Test
  void appendingToAStoredFileReadsOnlyItsLastChunkAgain() throws Exception {
    byte[] data = random(30 * MIB, 6);
    f.put("/s/log.bin", Arrays.copyOf(data, 10 * MIB));
    long before = fs.ingestedBytes();
    long sessions = fs.backgroundIngests();
    long fh = fs.open("/s/log.bin", O_WRONLY);
    writeSequentially(fh, data, 10 * MIB, data.length);
    fs.release(fh);
    assertEquals(sessions + 1, fs.backgroundIngests());
    long read = fs.ingestedBytes() - before;
    assertTrue(
        read <= 20 * MIB + Chunker.DEFAULT.maxSize(),
        "read " + read + " bytes for a 20 MiB append");
    assertStored("/s/log.bin", data);
  }

  @Test
  void appendingAfterShrinkingKeepsTheRestOfTheOldVersion() throws Exception {
    byte[] old = random(20 * MIB, 12);
    f.put("/s/cut.bin", old);
    int keep = 15 * MIB + 3;
    byte[] data = Arrays.copyOf(old, keep + 12 * MIB);
    System.arraycopy(random(12 * MIB, 13), 0, data, keep, 12 * MIB);
    long sessions = fs.backgroundIngests();
    long fh = fs.open("/s/cut.bin", O_WRONLY);
    fs.ftruncate(fh, keep);
    writeSequentially(fh, data, keep, data.length);
    fs.release(fh);
    assertEquals(sessions + 1, fs.backgroundIngests());
    assertStored("/s/cut.bin", data);
  }

  @Test
  void rewritingAFileOpenedWithOTruncIsIngestedInTheBackground() throws Exception {
    f.put("/s/r.bin", random(15 * MIB, 7));
    byte[] data = random(18 * MIB, 8);
    long sessions = fs.backgroundIngests();
    long fh = fs.open("/s/r.bin", O_WRONLY | O_TRUNC);
    writeSequentially(fh, data, 0, data.length);
    fs.release(fh);
    assertEquals(sessions + 1, fs.backgroundIngests());
    assertStored("/s/r.bin", data);
  }

  @Test
  void anFsyncInTheMiddleCommitsAndTheRestIsAnotherBackgroundAppend() throws Exception {
    byte[] data = random(40 * MIB, 9);
    long fh = fs.create("/s/m.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, 20 * MIB);
    fs.fsync(fh);
    assertStored("/s/m.bin", Arrays.copyOf(data, 20 * MIB));
    writeSequentially(fh, data, 20 * MIB, data.length);
    fs.fsync(fh);
    fs.release(fh);
    assertEquals(2, fs.backgroundIngests());
    assertStored("/s/m.bin", data);
  }

  @Test
  void aFileUnlinkedWhileBeingWrittenLeavesNothingOpen() throws Exception {
    byte[] data = random(16 * MIB, 10);
    f.put("/s/gone.bin", new byte[] {1});
    long fh = fs.open("/s/gone.bin", O_WRONLY | O_TRUNC);
    writeSequentially(fh, data, 0, data.length);
    fs.unlink("/s/gone.bin");
    fs.release(fh);
    assertEquals(0, fs.backgroundIngests());
  }

  @Test
  void smallFilesAreNotStreamed() throws Exception {
    byte[] data = random(3 * MIB, 11);
    f.put("/s/small.bin", data);
    assertEquals(0, fs.backgroundIngests());
    assertStored("/s/small.bin", data);
  }

  /** {@code len} bytes at {@code pos} through handle {@code fh}. */
  byte[] readAt(long fh, long pos, int len) throws IOException {
    ByteBuffer b = ByteBuffer.allocateDirect(len);
    while (b.hasRemaining()) {
      int n = fs.read(fh, pos + b.position(), b);
      if (n <= 0) {
        break;
      }
    }
    b.flip();
    byte[] out = new byte[b.remaining()];
    b.get(out);
    return out;
  }

  /** Disk space the staging directory takes (allocated blocks, not apparent sizes). */
  long stagingBytesOnDisk() throws IOException, InterruptedException {
    Process p = new ProcessBuilder("du", "-s", "-B1", staging.toString()).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    return Long.parseLong(out.split("\\s+")[0]);
  }

  /**
   * The error of writing {@code data[from, ...)} and then fsyncing, when the store fails: at a
   * write if the session has failed by then, else at the fsync.
   */
  FsException failureWritingTheRest(long fh, byte[] data, int from) {
    return assertThrows(
        FsException.class,
        () -> {
          writeSequentially(fh, data, from, data.length);
          fs.fsync(fh);
        });
  }

  /** Runs {@code body} on a filesystem that checkpoints every {@code bytes}. */
  void withCheckpointsEvery(long bytes, org.junit.jupiter.api.function.Executable body)
      throws Throwable {
    reopen(c -> c.withCheckpointBytes(bytes));
    body.execute();
  }

  @Test
  void aLongRunIsCheckpointedSoStagingStaysSmallAndReadsSeeEverything() throws Throwable {
    withCheckpointsEvery(
        12 * MIB,
        () -> {
          byte[] data = random(50 * MIB + 777, 14);
          java.util.Random r = new java.util.Random(15);
          long fh = fs.create("/s/long.bin", 0644, O_RDWR, ME);
          long mostStaged = 0;
          for (int p = 0; p < data.length; p += 4 * MIB) {
            int to = Math.min(data.length, p + 4 * MIB);
            writeSequentially(fh, data, p, to);
            mostStaged = Math.max(mostStaged, stagingBytesOnDisk());
            // Reads anywhere in what is written so far, checkpointed or staged, see the bytes.
            for (int k = 0; k < 3; k++) {
              int len = 1 + r.nextInt(300_000);
              int at = r.nextInt(Math.max(1, to - len));
              assertArrayEquals(
                  Arrays.copyOfRange(data, at, Math.min(to, at + len)), readAt(fh, at, len));
            }
          }
          assertTrue(mostStaged <= 14L * MIB, "staging took " + mostStaged + " bytes");
          fs.release(fh);
          // Checkpoints at 12, 24, 36 and 48 MiB; the last 2 MiB are too few for a session.
          assertEquals(4, fs.backgroundIngests());
          assertStored("/s/long.bin", data);
          assertTrue(stagingBytesOnDisk() < MIB, "staging left behind");
        });
  }

  @Test
  void aRunEndingRightAtACheckpointCommitsTheCheckpoint() throws Throwable {
    withCheckpointsEvery(
        12 * MIB,
        () -> {
          byte[] data = random(24 * MIB, 16);
          long fh = fs.create("/s/exact.bin", 0644, O_WRONLY, ME);
          writeSequentially(fh, data, 0, data.length);
          fs.release(fh);
          assertEquals(2, fs.backgroundIngests());
          assertStored("/s/exact.bin", data);
        });
  }

  @Test
  void patchingACheckpointedPartFallsBackWithTheRightContent() throws Throwable {
    withCheckpointsEvery(
        12 * MIB,
        () -> {
          byte[] data = random(30 * MIB, 17);
          long fh = fs.create("/s/patched.bin", 0644, O_RDWR, ME);
          writeSequentially(fh, data, 0, 26 * MIB);
          byte[] patch = random(9000, 18);
          System.arraycopy(patch, 0, data, MIB + 7, patch.length);
          f.write(fh, MIB + 7, patch);
          writeSequentially(fh, data, 26 * MIB, data.length);
          fs.release(fh);
          assertStored("/s/patched.bin", data);
        });
  }

  @Test
  void truncatingIntoACheckpointedPartKeepsTheRest() throws Throwable {
    withCheckpointsEvery(
        12 * MIB,
        () -> {
          byte[] data = random(40 * MIB, 19);
          long fh = fs.create("/s/cut2.bin", 0644, O_WRONLY, ME);
          writeSequentially(fh, data, 0, 30 * MIB);
          fs.ftruncate(fh, 5 * MIB + 1);
          System.arraycopy(random(35 * MIB - 1, 20), 0, data, 5 * MIB + 1, 35 * MIB - 1);
          writeSequentially(fh, data, 5 * MIB + 1, data.length);
          fs.release(fh);
          assertStored("/s/cut2.bin", data);
        });
  }

  @Test
  void statShowsTheCommittedChunksNotACheckpoint() throws Throwable {
    withCheckpointsEvery(
        12 * MIB,
        () -> {
          byte[] old = random(3 * MIB, 21);
          f.put("/s/st.bin", old);
          java.util.List<org.latticefs.cas.chunk.Chunk> before = fs.describe("/s/st.bin").chunks();
          byte[] data = random(20 * MIB, 22);
          long fh = fs.open("/s/st.bin", O_WRONLY | O_TRUNC);
          writeSequentially(fh, data, 0, data.length);
          assertEquals(before, fs.describe("/s/st.bin").chunks());
          fs.release(fh);
          assertStored("/s/st.bin", data);
        });
  }

  @Test
  void aStreamedRunsBytesNeverGoThroughTheStagingFile() throws Throwable {
    byte[] data = random(40 * MIB, 32);
    long fh = fs.create("/s/direct.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, data.length);
    // Only what came before the session started (8 MiB) was staged.
    assertTrue(stagingBytesOnDisk() <= 9L * MIB, "staged " + stagingBytesOnDisk());
    fs.release(fh);
    assertEquals(1, fs.backgroundIngests());
    assertStored("/s/direct.bin", data);
  }

  @Test
  void aFailedStreamedRunIsEioAndTheCommittedVersionStays() throws Exception {
    byte[] old = random(2 * MIB, 30);
    f.put("/s/fail.bin", old);
    byte[] data = random(60 * MIB, 31);
    long fh = fs.open("/s/fail.bin", O_RDWR | O_TRUNC);
    writeSequentially(fh, data, 0, 12 * MIB);
    f.blobs.failNextReceives(1_000_000, new IOException("disk on fire"));
    FsException e = failureWritingTheRest(fh, data, 12 * MIB);
    assertEquals(Errno.EIO, e.errno());
    assertTrue(e.getMessage().contains("disk on fire"), e.getMessage());
    f.blobs.failNextReceives(0, new IOException("disarmed"));
    // The open state stays failed: no read returns bytes that are gone, no commit pretends.
    FsFixture.assertErrno(Errno.EIO, () -> readAt(fh, 0, 10));
    FsFixture.assertErrno(Errno.EIO, () -> fs.fsync(fh));
    FsFixture.assertErrno(Errno.EIO, () -> fs.release(fh));
    assertArrayEquals(old, f.get("/s/fail.bin"));
  }

  /**
   * A streamed file whose commit fails in the log (after its content was stored) keeps every byte:
   * reads see them and the next flush commits them. Before, the bytes only the session had held
   * were read back (and committed) as zeros.
   */
  @Test
  void aStreamedFileWhoseLogCommitFailsKeepsEveryByteForTheNextFlush() throws Exception {
    byte[] data = random(20 * MIB + 99, 40);
    long fh = fs.create("/s/retry.bin", 0644, O_RDWR, ME);
    writeSequentially(fh, data, 0, data.length);
    f.faults("s").failNextAppends(1);
    assertThrows(org.latticefs.kv.KvException.class, () -> fs.flush(fh));
    assertArrayEquals(data, readAt(fh, 0, data.length));
    fs.flush(fh);
    fs.release(fh);
    assertStored("/s/retry.bin", data);
  }

  @Test
  void theStagingFileRouteStillGivesTheRightContent() throws Throwable {
    reopen(c -> c.withStreamWrites(false));
    byte[] data = random(30 * MIB, 33);
    long fh = fs.create("/s/staged.bin", 0644, O_RDWR, ME);
    writeSequentially(fh, data, 0, 20 * MIB);
    assertArrayEquals(
        Arrays.copyOfRange(data, 15 * MIB, 15 * MIB + 999), readAt(fh, 15 * MIB, 999));
    writeSequentially(fh, data, 20 * MIB, data.length);
    fs.release(fh);
    assertEquals(1, fs.backgroundIngests());
    assertStored("/s/staged.bin", data);
  }

  @Test
  void readingWhatAStreamedRunHoldsCheckpointsItAndTheRunGoesOn() throws Throwable {
    byte[] data = random(40 * MIB, 34);
    long fh = fs.create("/s/readmid.bin", 0644, O_RDWR, ME);
    writeSequentially(fh, data, 0, 20 * MIB);
    assertArrayEquals(Arrays.copyOfRange(data, 19 * MIB, 20 * MIB), readAt(fh, 19 * MIB, MIB));
    writeSequentially(fh, data, 20 * MIB, data.length);
    fs.release(fh);
    // The checkpoint at 20 MiB and the run after it.
    assertEquals(2, fs.backgroundIngests());
    assertStored("/s/readmid.bin", data);
  }

  @Test
  void aStreamedRunThatRunsOutOfSpaceIsEnospc() throws Exception {
    byte[] data = random(40 * MIB, 35);
    long fh = fs.create("/s/full.bin", 0644, O_WRONLY, ME);
    writeSequentially(fh, data, 0, 12 * MIB);
    f.blobs.failNextReceives(
        1_000_000, new org.latticefs.cas.NoSpaceLeftException("cas full", null));
    FsException e = failureWritingTheRest(fh, data, 12 * MIB);
    assertEquals(Errno.ENOSPC, e.errno());
    f.blobs.failNextReceives(0, new IOException("disarmed"));
    FsFixture.assertErrno(Errno.ENOSPC, () -> fs.release(fh));
    FsFixture.assertErrno(Errno.ENOENT, () -> fs.open("/s/full.bin", O_WRONLY));
  }

  /**
   * Random mixes of long sequential runs (streamed past 8 MiB), reads anywhere, seeks back,
   * truncates and fsyncs, with checkpoints every 20 MiB, against a plain array; after each scenario
   * the stored file has the model's bytes and a full ingest's manifest.
   */
  @Tag("slow")
  @Test
  void randomMixesOfStreamingReadsSeeksTruncatesAndFsyncsKeepEveryByte() throws Throwable {
    withCheckpointsEvery(
        20 * MIB,
        () -> {
          for (int scenario = 0; scenario < 8; scenario++) {
            java.util.Random r = new java.util.Random(100 + scenario);
            byte[] model = new byte[0];
            String path = "/s/mix" + scenario + ".bin";
            long fh = fs.create(path, 0644, O_RDWR, ME);
            for (int op = 0; op < 12; op++) {
              int kind = r.nextInt(10);
              if (kind < 5) {
                // A sequential run from the end, in FUSE-sized pieces.
                int n = 1 + r.nextInt(14 * MIB);
                byte[] more = random(n, r.nextLong());
                int at = model.length;
                model = Arrays.copyOf(model, at + n);
                System.arraycopy(more, 0, model, at, n);
                writeSequentially(fh, model, at, model.length);
              } else if (kind < 7 && model.length > 0) {
                int len = 1 + r.nextInt(Math.min(model.length, 400_000));
                // Half of the reads near the end, where a streaming session holds the bytes.
                int at =
                    r.nextBoolean()
                        ? r.nextInt(model.length - len + 1)
                        : Math.max(0, model.length - len - r.nextInt(2 * MIB));
                assertArrayEquals(
                    Arrays.copyOfRange(model, at, at + len), readAt(fh, at, len), "read " + op);
              } else if (kind == 7 && model.length > 0) {
                byte[] patch = random(1 + r.nextInt(70_000), r.nextLong());
                int at = r.nextInt(model.length);
                if (at + patch.length > model.length) {
                  model = Arrays.copyOf(model, at + patch.length);
                }
                System.arraycopy(patch, 0, model, at, patch.length);
                f.write(fh, at, patch);
              } else if (kind == 8) {
                int to = model.length == 0 ? 0 : r.nextInt(model.length + 1);
                model = Arrays.copyOf(model, to);
                fs.ftruncate(fh, to);
              } else {
                fs.fsync(fh);
                assertArrayEquals(model, f.get(path), "after fsync " + op);
              }
            }
            fs.release(fh);
            assertStored(path, model);
          }
          assertTrue(fs.backgroundIngests() >= 8, "sessions: " + fs.backgroundIngests());
        });
  }
}
