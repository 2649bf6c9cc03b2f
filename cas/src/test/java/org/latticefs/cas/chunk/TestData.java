package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.List;
import java.util.SplittableRandom;

/** Deterministic test inputs. */
final class TestData {
  private TestData() {}

  /** {@code n} pseudo-random bytes from a fixed generator: the same for a seed, forever. */
  static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    int i = 0;
    for (; i + 8 <= n; i += 8) {
      long v = r.nextLong();
      for (int k = 0; k < 8; k++) {
        b[i + k] = (byte) (v >>> (8 * k));
      }
    }
    long v = r.nextLong();
    for (; i < n; i++) {
      b[i] = (byte) v;
      v >>>= 8;
    }
    return b;
  }

  /**
   * Bytes with long repeats and low entropy (text-like), so chunking sees more than uniform noise.
   */
  static byte[] textLike(long seed, int n) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    String[] words = {"lattice ", "chunk ", "manifest ", "blob ", "the ", "of ", "and ", "\n"};
    int i = 0;
    while (i < n) {
      if (r.nextInt(50) == 0 && i > 4096) {
        int back = 1 + r.nextInt(4096);
        int len = Math.min(n - i, 16 + r.nextInt(2048));
        for (int k = 0; k < len; k++) {
          b[i + k] = b[i - back + k];
        }
        i += len;
      } else {
        String w = words[r.nextInt(words.length)];
        for (int k = 0; k < w.length() && i < n; k++) {
          b[i++] = (byte) w.charAt(k);
        }
      }
    }
    return b;
  }

  /** Fails with the first difference only (chunk lists are long). */
  static void assertSameChunks(List<Chunk> expected, List<Chunk> actual) {
    for (int i = 0; i < Math.min(expected.size(), actual.size()); i++) {
      if (!expected.get(i).equals(actual.get(i))) {
        fail("chunk " + i + ": expected " + expected.get(i) + " but was " + actual.get(i));
      }
    }
    if (expected.size() != actual.size()) {
      fail("expected " + expected.size() + " chunks but got " + actual.size());
    }
  }
}
