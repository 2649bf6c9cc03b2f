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
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

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
