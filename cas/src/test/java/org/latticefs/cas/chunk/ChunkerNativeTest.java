package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.util.Locale;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.hash.Blake3;

/**
 * The C cut-point search ({@code lattice_cdc.c}) against the Java one, which defines the chunk
 * boundaries: every cut of every input must be the same.
 */
class ChunkerNativeTest {
  @Test
  void cutsInCWhereverBlake3RunsNatively() {
    assertEquals(Blake3.implementation().startsWith("native"), Chunker.nativeCut());
    if (System.getProperty("os.name").toLowerCase(Locale.ROOT).contains("linux")
        && System.getenv("CI") != null) {
      assertTrue(Chunker.nativeCut(), "CI builds the native library: " + Blake3.implementation());
    }
  }

  @Test
  void nativeCutsEqualJavaCuts() {
    assumeTrue(Chunker.nativeCut(), "no native library: cutLength is the Java loop itself");
    long seed = Long.getLong("lattice.cdc.seed", System.nanoTime());
    SplittableRandom cases = new SplittableRandom(seed);
    for (int i = 0; i < 200; i++) {
      long caseSeed = cases.nextLong();
      String where = "seed " + seed + ", case " + i + " (-Dlattice.cdc.seed=" + seed + ")";
      compareCuts(
          caseSeed,
          cases.nextInt(6, 17),
          cases.nextInt(1, 4),
          cases.nextInt(1, 4),
          cases.nextInt(0, 4),
          cases.nextInt(0, 4),
          cases.nextInt(0, 300_001),
          where);
    }
  }

  /**
   * Every cut of an input (random, text-like, zeros or a repeated pattern), and of windows of it
   * that start anywhere and end short of its end, by a chunker with min {@code 2^minBits} (plus a
   * little), avg and max {@code avgAbove} and {@code maxAbove} powers of two above.
   */
  private static void compareCuts(
      long seed,
      int minBits,
      int avgAbove,
      int maxAbove,
      int level,
      int kind,
      int size,
      String where) {
    int min = (1 << minBits) + (int) (seed & 63);
    int avg = Integer.highestOneBit(min) << avgAbove;
    int max = avg << maxAbove;
    Chunker c = new Chunker(min, avg, max, level);
    byte[] data =
        switch (kind) {
          case 0 -> TestData.random(seed, size);
          case 1 -> TestData.textLike(seed, size);
          case 2 -> new byte[size]; // no cut point: every chunk is max long
          default -> repeating(seed, size);
        };
    SplittableRandom r = new SplittableRandom(seed);
    for (int round = 0; round < 4; round++) {
      int off = round == 0 || size == 0 ? 0 : r.nextInt(size);
      int end = round == 0 ? size : off + r.nextInt(size - off + 1);
      for (int pos = off; pos < end; ) {
        int expected = c.cutLengthJava(data, pos, end - pos);
        assertEquals(
            expected,
            c.cutLength(data, pos, end - pos),
            "cut at " + pos + " of " + c + ", " + where);
        pos += expected;
      }
    }
  }

  @Test
  void defaultChunkerCutsTheSameInCAndJava() {
    assumeTrue(Chunker.nativeCut(), "no native library: cutLength is the Java loop itself");
    byte[] data = TestData.random(42, 16 << 20);
    int chunks = 0;
    for (int pos = 0; pos < data.length; chunks++) {
      int expected = Chunker.DEFAULT.cutLengthJava(data, pos, data.length - pos);
      assertEquals(expected, Chunker.DEFAULT.cutLength(data, pos, data.length - pos));
      pos += expected;
    }
    assertTrue(chunks > 40, chunks + " chunks");
  }

  @Test
  void nativeSearchRejectsArgumentsItCannotTrust() {
    assumeTrue(NativeCdc.isAvailable(), "no native library");
    byte[] buf = new byte[100];
    long[] gear = new long[256];
    assertThrows(
        IndexOutOfBoundsException.class,
        () -> NativeCdc.cutLength(buf, 90, 20, 64, 128, 256, gear, 1, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> NativeCdc.cutLength(buf, 0, 100, 64, 128, 256, new long[255], 1, 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> NativeCdc.cutLength(buf, 0, 100, -1, 128, 256, gear, 1, 1));
  }

  /** A short random pattern over and over: the same bytes before every candidate cut. */
  private static byte[] repeating(long seed, int size) {
    byte[] pattern = TestData.random(seed, 1 + (int) Math.floorMod(seed, 5000L));
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = pattern[i % pattern.length];
    }
    return out;
  }
}
