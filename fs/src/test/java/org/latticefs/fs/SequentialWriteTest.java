package org.latticefs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.FsFixture.ME;
import static org.latticefs.fs.FsFixture.O_RDWR;
import static org.latticefs.fs.FsFixture.O_WRONLY;
import static org.latticefs.fs.FsFixture.random;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestShape;

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
    assertEquals(0, fs.backgroundIngests());
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
    assertEquals(0, fs.backgroundIngests());
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
    assertEquals(0, fs.backgroundIngests());
    assertStored("/s/h.bin", data);
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
}
