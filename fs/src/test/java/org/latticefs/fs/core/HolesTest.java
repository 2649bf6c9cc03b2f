package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDWR;
import static org.latticefs.fs.core.FsFixture.O_WRONLY;
import static org.latticefs.fs.core.FsFixture.assertErrno;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.Errno;
import org.latticefs.fs.content.ContentWriter;

/**
 * Sparse files: a truncate or a write far past the end costs what the file holds (a hole is a run
 * in the manifest, never chunked, hashed or stored), holes read as zeros, and {@code st_blocks}
 * counts only what is stored. The first tests are pjdfstest's truncate and ftruncate cases (00, 12)
 * driven on the object.
 */
class HolesTest extends DirectFsTest {
  private static final long GIB = 1L << 30;
  private static final long TIB = 1L << 40;

  // ---------------------------------------------------------------- pjdfstest truncate, ftruncate

  /** truncate/00 and ftruncate/00: sizes go up and down; kept bytes stay, new ones read zeros. */
  @Test
  void pjdfstestTruncateDecreasesAndIncreasesTheSize() throws IOException {
    long fh = fs.create("/docs/n0", 0644, O_RDWR, ME);
    fs.release(fh);
    fs.truncate("/docs/n0", 1234567);
    assertEquals(1234567, fs.getattr("/docs/n0").size());
    long w = fs.open("/docs/n0", O_WRONLY);
    fs.ftruncate(w, 567);
    fs.release(w);
    assertEquals(567, fs.getattr("/docs/n0").size());
    assertArrayEquals(new byte[567], f.get("/docs/n0"));
    fs.unlink("/docs/n0");

    byte[] data = random(12345, 1);
    f.put("/docs/n0", data);
    fs.truncate("/docs/n0", 23456);
    assertEquals(23456, fs.getattr("/docs/n0").size());
    byte[] expected = Arrays.copyOf(data, 23456);
    assertArrayEquals(expected, f.get("/docs/n0"));
    fs.truncate("/docs/n0", 1);
    assertArrayEquals(new byte[] {data[0]}, f.get("/docs/n0"));
  }

  /**
   * truncate/12 and ftruncate/12: a length past the largest file size is EFBIG and leaves the size
   * as it was (before, 999999999999999 ran the chunker over every byte of the new size).
   */
  @Test
  void pjdfstestTruncatePastTheLargestFileIsEfbigAndChangesNothing() throws IOException {
    long fh = fs.create("/docs/n0", 0644, O_RDWR, ME);
    fs.release(fh);
    assertErrno(Errno.EFBIG, () -> fs.truncate("/docs/n0", 999999999999999L));
    assertEquals(0, fs.getattr("/docs/n0").size());
    long w = fs.open("/docs/n0", O_RDWR);
    assertErrno(Errno.EFBIG, () -> fs.ftruncate(w, 999999999999999L));
    assertErrno(Errno.EFBIG, () -> fs.write(w, ContentWriter.MAX_SIZE, ByteBuffer.allocate(1)));
    assertErrno(
        Errno.EFBIG, () -> fs.write(w, Long.MAX_VALUE - 1, ByteBuffer.allocate(2))); // overflow
    assertErrno(Errno.EINVAL, () -> fs.ftruncate(w, -1));
    fs.release(w);
    assertEquals(0, fs.getattr("/docs/n0").size());
    fs.unlink("/docs/n0");
  }

  // ---------------------------------------------------------------- cost and content

  @Test
  void extendingTruncateOfATebibyteStoresAndReadsNothing() throws IOException {
    long fh = fs.create("/docs/big", 0644, O_RDWR, ME);
    fs.ftruncate(fh, TIB);
    fs.release(fh);
    assertEquals(TIB, fs.getattr("/docs/big").size());
    assertEquals(0, fs.ingestedBytes(), "no byte of a hole is read or chunked");
    assertEquals(0, fs.getattr("/docs/big").blocks());
    assertTrue(f.blobs.bytesStored() < 4096, "only a small manifest: " + f.blobs.bytesStored());
    assertArrayEquals(new byte[4096], readAt("/docs/big", TIB - 4096, 4096));
    assertArrayEquals(new byte[4096], readAt("/docs/big", TIB / 2, 4096));
  }

  @Test
  void aFewSmallWritesIntoAGibibyteSparseFileStoreAFewKib() throws IOException {
    long fh = fs.create("/docs/sparse", 0644, O_RDWR, ME);
    fs.ftruncate(fh, GIB);
    fs.release(fh);
    byte[][] pieces = new byte[6][];
    long[] at = new long[6];
    for (int i = 0; i < 6; i++) {
      // Like dd seek=... conv=notrunc: each write is its own open, write, close.
      pieces[i] = random(10_000, 10 + i);
      at[i] = (i * 171_000_000L) % GIB;
      long w = fs.open("/docs/sparse", O_RDWR);
      f.write(w, at[i], pieces[i]);
      fs.release(w);
    }
    assertEquals(GIB, fs.getattr("/docs/sparse").size());
    long stored = fs.getattr("/docs/sparse").blocks() * 512;
    assertTrue(stored >= 60_000 && stored < 64 * 1024, "stored " + stored);
    assertTrue(fs.ingestedBytes() < 2 << 20, "read " + fs.ingestedBytes() + " bytes");
    for (int i = 0; i < 6; i++) {
      assertArrayEquals(pieces[i], readAt("/docs/sparse", at[i], pieces[i].length));
      assertArrayEquals(new byte[100], readAt("/docs/sparse", at[i] + 20_000, 100));
    }
  }

  @Test
  void aWriteFarPastTheEndLeavesAHoleAndNeedsRoomOnlyForItsBytes() throws IOException {
    byte[] head = random(100_000, 3);
    f.put("/docs/f", head);
    long fh = fs.open("/docs/f", O_RDWR);
    byte[] tail = random(5000, 4);
    f.write(fh, 3 * TIB, tail);
    assertEquals(3 * TIB + 5000, fs.getattr(fh).size());
    assertTrue(fs.getattr(fh).blocks() * 512 < 200_000, "open file's blocks count its data");
    fs.release(fh);
    assertEquals(3 * TIB + 5000, fs.getattr("/docs/f").size());
    assertArrayEquals(head, readAt("/docs/f", 0, head.length));
    assertArrayEquals(new byte[8192], readAt("/docs/f", TIB, 8192));
    assertArrayEquals(tail, readAt("/docs/f", 3 * TIB, 5000));
    long stored = fs.getattr("/docs/f").blocks() * 512;
    assertTrue(stored >= 105_000 && stored < 110_000, "stored " + stored);
  }

  @Test
  void holesOfTheCommittedVersionStayHolesWhenItIsEditedAroundThem() throws IOException {
    long fh = fs.create("/docs/g", 0644, O_RDWR, ME);
    byte[] a = random(50_000, 5);
    byte[] b = random(50_000, 6);
    f.write(fh, 0, a);
    f.write(fh, 2 * GIB, b);
    fs.release(fh);
    long read = fs.ingestedBytes();
    // Writes on both sides of the hole, and one inside it, in one commit.
    byte[] c = random(7, 7);
    long w = fs.open("/docs/g", O_RDWR);
    f.write(w, 10, c);
    f.write(w, GIB, c);
    f.write(w, 2 * GIB + 10, c);
    fs.release(w);
    assertTrue(fs.ingestedBytes() - read < 1 << 20, "the hole was not read");
    byte[] a2 = a.clone();
    System.arraycopy(c, 0, a2, 10, 7);
    byte[] b2 = b.clone();
    System.arraycopy(c, 0, b2, 10, 7);
    assertArrayEquals(a2, readAt("/docs/g", 0, a.length));
    assertArrayEquals(c, readAt("/docs/g", GIB, 7));
    assertArrayEquals(new byte[4096], readAt("/docs/g", GIB + 7, 4096));
    assertArrayEquals(b2, readAt("/docs/g", 2 * GIB, b.length));
    long stored = fs.getattr("/docs/g").blocks() * 512;
    assertTrue(stored >= 100_007 && stored < 101_000, "stored " + stored);
  }

  @Test
  void cuttingAndExtendingAgainLeavesZerosWhereTheCutBytesWere() throws IOException {
    byte[] data = random(300_000, 8);
    f.put("/docs/h", data);
    long fh = fs.open("/docs/h", O_RDWR);
    fs.ftruncate(fh, 1000);
    fs.ftruncate(fh, 10 * GIB);
    f.write(fh, 200_000, new byte[] {1});
    fs.release(fh);
    byte[] expected = new byte[300_000];
    System.arraycopy(data, 0, expected, 0, 1000);
    expected[200_000] = 1;
    assertArrayEquals(expected, readAt("/docs/h", 0, 300_000));
    assertEquals(10 * GIB, fs.getattr("/docs/h").size());
    assertTrue(fs.getattr("/docs/h").blocks() * 512 < 4096, "only 1001 bytes are data");
  }

  private byte[] readAt(String path, long pos, int n) throws IOException {
    long fh = fs.open(path, FsFixture.O_RDONLY);
    try {
      ByteBuffer buf = ByteBuffer.allocate(n);
      while (buf.hasRemaining()) {
        int got = fs.read(fh, pos + buf.position(), buf);
        if (got <= 0) {
          break;
        }
      }
      return Arrays.copyOf(buf.array(), buf.position());
    } finally {
      fs.release(fh);
    }
  }
}
