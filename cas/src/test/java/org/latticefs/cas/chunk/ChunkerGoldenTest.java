package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.hash.Blake3;

/**
 * Chunk boundaries are part of the on-disk format: these vectors must never change. If one of these
 * tests fails, every manifest ever written would be cut differently; fix the code, not the vector.
 */
class ChunkerGoldenTest {
  /** xorshift64*, seed fixed: defined here so the input never depends on a library. */
  static byte[] golden(int n) {
    long x = 0x9E3779B97F4A7C15L;
    byte[] b = new byte[n];
    for (int i = 0; i < n; i++) {
      x ^= x >>> 12;
      x ^= x << 25;
      x ^= x >>> 27;
      b[i] = (byte) ((x * 0x2545F4914F6CDD1DL) >>> 56);
    }
    return b;
  }

  static List<Integer> ends(Chunker c, byte[] data) {
    List<Integer> out = new ArrayList<>();
    int pos = 0;
    while (pos < data.length) {
      pos += c.cutLength(data, pos, data.length - pos);
      out.add(pos);
    }
    return out;
  }

  @Test
  void gearTableIsFrozen() {
    ByteBuffer bb = ByteBuffer.allocate(256 * 8).order(ByteOrder.LITTLE_ENDIAN);
    for (long g : Chunker.gear()) {
      bb.putLong(g);
    }
    assertEquals(
        "0585dab63a9316925028c5cc30d8f4eb140cffe7d4f6e3e0d328f23094fb20fb",
        Blake3.hash(bb.array()).hex());
  }

  @Test
  void smallChunkerBoundaries() {
    Chunker c = new Chunker(256, 1024, 4096, 2);
    assertEquals(List.of(SMALL_ENDS), ends(c, golden(40_000)));
  }

  @Test
  void defaultChunkerBoundaries() {
    assertEquals(List.of(DEFAULT_ENDS), ends(Chunker.DEFAULT, golden(8 << 20)));
  }

  @Test
  void defaultSizesAreFrozen() {
    Chunker d = Chunker.DEFAULT;
    assertArrayEquals(
        new int[] {64 << 10, 256 << 10, 1 << 20, 2},
        new int[] {d.minSize(), d.avgSize(), d.maxSize(), d.normalizationLevel()});
  }

  private static final Integer[] SMALL_ENDS = {
    1055, 2932, 4137, 4742, 5811, 6840, 7350, 8454, 9562, 10839, 11933, 13167, 14190, 15671, 17065,
    18358, 19713, 20758, 22022, 23752, 25170, 26525, 27830, 29119, 30294, 31465, 32888, 34026,
    34864, 36060, 37775, 38625, 39699, 40000
  };

  private static final Integer[] DEFAULT_ENDS = {
    430913, 534969, 855840, 1209070, 1626802, 1982685, 2132867, 2456791, 2771479, 2950804, 3307843,
    3674591, 3988632, 4252576, 4552233, 4796482, 5262669, 5640059, 5785924, 6148162, 6481556,
    6640570, 6982491, 7254796, 7655528, 7951793, 8309371, 8388608
  };
}
