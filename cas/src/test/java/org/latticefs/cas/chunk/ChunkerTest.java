package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.Blake3;
import org.latticefs.cas.BlobRef;

class ChunkerTest {
  static final Chunker SMALL = new Chunker(256, 1024, 4096, 2);

  static List<Integer> lengths(Chunker c, byte[] data) {
    List<Integer> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      int n = c.cutLength(data, pos, data.length - pos);
      out.add(n);
      pos += n;
    }
    return out;
  }

  @Property(tries = 60)
  void chunksRespectMinAndMaxAndCoverTheInput(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 200_000) int size,
      @ForAll @IntRange(min = 0, max = 3) int level,
      @ForAll boolean textLike) {
    Chunker c = new Chunker(512, 2048, 8192, level);
    byte[] data = textLike ? TestData.textLike(seed, size) : TestData.random(seed, size);
    List<Integer> lens = lengths(c, data);
    long sum = 0;
    for (int i = 0; i < lens.size(); i++) {
      int n = lens.get(i);
      assertTrue(n <= c.maxSize(), "chunk " + i + " longer than max: " + n);
      if (i < lens.size() - 1) {
        assertTrue(n >= c.minSize(), "chunk " + i + " shorter than min: " + n);
      }
      sum += n;
    }
    assertEquals(size, sum);
  }

  /**
   * The four-lane scan cuts exactly where the byte-at-a-time scan does, for sizes and data that put
   * matches anywhere in a lane block (first byte, lane seams, several lanes at once) or nowhere.
   */
  @Property(tries = 200)
  void lanesCutWhereTheSerialScanCuts(
      @ForAll long seed,
      @ForAll @IntRange(min = 6, max = 14) int minBits,
      @ForAll @IntRange(min = 1, max = 8) int avgAbove,
      @ForAll @IntRange(min = 1, max = 4) int maxAbove,
      @ForAll @IntRange(min = 0, max = 3) int level,
      @ForAll @IntRange(min = 0, max = 2) int kind,
      @ForAll @IntRange(min = 0, max = 3 << 20) int size) {
    int avgBits = Math.min(minBits + avgAbove, 19);
    Chunker c =
        new Chunker(1 << minBits, 1 << avgBits, 1 << Math.min(avgBits + maxAbove, 20), level);
    byte[] data =
        switch (kind) {
          case 0 -> TestData.random(seed, size);
          case 1 -> TestData.textLike(seed, size);
          default -> new byte[size]; // no match at all: every lane runs to the end
        };
    int pos = 0;
    while (pos < data.length) {
      int lanes = c.cutLength(data, pos, data.length - pos);
      assertEquals(c.cutLengthSerial(data, pos, data.length - pos), lanes, "chunk at " + pos);
      pos += lanes;
    }
  }

  /**
   * A single match planted at a lane's first or last byte, at a block seam, or anywhere, in bytes
   * that otherwise never match, is found where the running hash from {@code start} finds it.
   */
  @Property(tries = 300)
  void lanesFindAMatchPlantedAnywhere(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 9) int where,
      @ForAll @IntRange(min = 0, max = 100) int startGap) {
    int lane = Chunker.LANE;
    int start = 64 + startGap;
    int from = start + (startGap % 3 == 0 ? 0 : 1000);
    int to = from + 9 * lane + 17;
    byte[] buf = new byte[to + 64];
    long[] gear = Chunker.gear();
    // Runs of one byte value hash to a constant; pick a value whose constant never matches.
    long mask = -1L << (64 - 10);
    byte fill = 0;
    while ((constantOfRun(gear, fill) & mask) == 0) {
      fill++;
    }
    Arrays.fill(buf, fill);
    int target =
        switch (where) {
          case 0 -> from;
          case 1 -> from + lane;
          case 2 -> from + lane - 1;
          case 3 -> from + 2 * lane;
          case 4 -> from + 3 * lane + lane - 1;
          case 5 -> from + 4 * lane;
          case 6 -> from + 8 * lane;
          case 7 -> to - 1;
          default -> from + (int) Math.floorMod(seed, to - from);
        };
    // Re-draw the 64 bytes ending at target until it is the first match.
    SplittableRandom r = new SplittableRandom(seed);
    int window = Math.max(start, target - 63);
    do {
      long fp;
      do {
        fp = 0;
        for (int i = window; i <= target; i++) {
          buf[i] = (byte) r.nextInt(256);
          fp = (fp << 1) + gear[buf[i] & 0xff];
        }
      } while ((fp & mask) != 0);
    } while (runningMatch(gear, buf, start, from, to, mask) != target);
    assertEquals(target, Chunker.firstMatch(buf, start, from, to, mask));
  }

  private static long constantOfRun(long[] gear, byte b) {
    long fp = 0;
    for (int i = 0; i < 64; i++) {
      fp = (fp << 1) + gear[b & 0xff];
    }
    return fp;
  }

  /** The definition: the gear hash run from {@code start}, checked from {@code from} on. */
  private static int runningMatch(long[] gear, byte[] buf, int start, int from, int to, long mask) {
    long fp = 0;
    for (int i = start; i < to; i++) {
      fp = (fp << 1) + gear[buf[i] & 0xff];
      if (i >= from && (fp & mask) == 0) {
        return i;
      }
    }
    return -1;
  }

  @Test
  void contentWithoutCutPointsIsCutAtMax() {
    byte[] zeros = new byte[10 * 4096 + 100];
    List<Integer> lens = lengths(SMALL, zeros);
    assertEquals(11, lens.size());
    assertTrue(lens.subList(0, 10).stream().allMatch(n -> n == 4096));
    assertEquals(100, lens.get(10));
  }

  @Test
  void averageChunkSizeIsNearTheTarget() {
    byte[] data = TestData.random(7, 64 << 20);
    double mean = (double) data.length / lengths(Chunker.DEFAULT, data).size();
    assertTrue(mean > 250 * 1024 && mean < 360 * 1024, "mean chunk " + mean);
  }

  @Test
  void rejectsBadSizes() {
    assertThrows(IllegalArgumentException.class, () -> new Chunker(32, 1024, 4096, 2));
    assertThrows(IllegalArgumentException.class, () -> new Chunker(256, 1000, 4096, 2));
    assertThrows(IllegalArgumentException.class, () -> new Chunker(2048, 1024, 4096, 2));
    assertThrows(IllegalArgumentException.class, () -> new Chunker(256, 1024, 32 << 20, 2));
    assertThrows(IllegalArgumentException.class, () -> new Chunker(256, 1024, 4096, 4));
    assertThrows(IndexOutOfBoundsException.class, () -> SMALL.cutLength(new byte[10], 5, 6));
  }

  /** An input stream that returns few bytes per read, in a seeded pattern. */
  static InputStream trickle(byte[] data, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        return super.read(b, off, Math.min(len, 1 + r.nextInt(3000)));
      }
    };
  }

  @Property(tries = 40)
  void streamingGivesTheSameChunksAsOneArray(
      @ForAll long seed,
      @ForAll @IntRange(min = 0, max = 150_000) int size,
      @ForAll @IntRange(min = 1, max = 40_000) int bufferSize)
      throws IOException {
    byte[] data = TestData.textLike(seed, size);
    List<Integer> expected = lengths(SMALL, data);
    ChunkSource src =
        new ChunkSource(SMALL, ChunkSource.Input.of(trickle(data, seed)), bufferSize, 2, 0);
    List<Integer> got = new ArrayList<>();
    long offset = 0;
    for (ChunkSource.Block b = src.next(); b != null; b = src.next()) {
      assertEquals(offset, b.offset());
      for (int k = 0; k < b.count(); k++) {
        int len = b.ends()[k] - b.start(k);
        assertTrue(
            Arrays.equals(
                data, (int) offset, (int) offset + len, b.buf(), b.start(k), b.ends()[k]));
        got.add(len);
        offset += len;
      }
      src.release(b);
    }
    assertEquals(expected, got);
    assertEquals(size, offset);
  }

  @Test
  void splitReportsOffsetsLengthsAndRefs() throws IOException {
    byte[] data = TestData.random(3, 9 << 20);
    List<Chunk> chunks = new ArrayList<>();
    long n = Chunker.DEFAULT.split(trickle(data, 1), chunks::add);
    assertEquals(data.length, n);
    long pos = 0;
    for (Chunk c : chunks) {
      assertEquals(pos, c.offset());
      assertEquals(Blake3.hash(data, (int) c.offset(), (int) c.length()), c.ref(), "ref of " + c);
      pos = c.end();
    }
    assertEquals(data.length, pos);
    assertEquals(lengths(Chunker.DEFAULT, data).size(), chunks.size());
    List<Chunk> again = new ArrayList<>();
    Chunker.DEFAULT.split(new ByteArrayInputStream(data), again::add);
    TestData.assertSameChunks(chunks, again);
  }

  @Test
  void emptyInputHasNoChunks() throws IOException {
    List<Chunk> chunks = new ArrayList<>();
    assertEquals(0, Chunker.DEFAULT.split(InputStream.nullInputStream(), chunks::add));
    assertTrue(chunks.isEmpty());
  }

  /** The refs of every chunk of {@code data}. */
  static List<BlobRef> refs(Chunker c, byte[] data) {
    List<BlobRef> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      int n = c.cutLength(data, pos, data.length - pos);
      out.add(Blake3.hash(data, pos, n));
      pos += n;
    }
    return out;
  }

  @Property(tries = 3)
  void insertingOneByteInTheMiddleOf64MiBChangesAtMostThreeChunks(
      @ForAll long seed,
      @ForAll @DoubleRange(min = 0.25, max = 0.75) double where,
      @ForAll byte b) {
    byte[] old = TestData.random(seed, 64 << 20);
    int at = (int) (old.length * where);
    byte[] edited = new byte[old.length + 1];
    System.arraycopy(old, 0, edited, 0, at);
    edited[at] = b;
    System.arraycopy(old, at, edited, at + 1, old.length - at);
    Set<BlobRef> before = new HashSet<>(refs(Chunker.DEFAULT, old));
    List<BlobRef> after = refs(Chunker.DEFAULT, edited);
    long changed = after.stream().filter(r -> !before.contains(r)).count();
    assertTrue(changed >= 1 && changed <= 3, "chunks changed: " + changed);
  }
}
