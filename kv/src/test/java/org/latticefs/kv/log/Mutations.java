package org.latticefs.kv.log;

import java.util.Arrays;
import java.util.Random;

/** Random damage to valid encodings, for fuzzing decoders. */
final class Mutations {
  private Mutations() {}

  static byte[] mutate(Random r, byte[] b) {
    int rounds = 1 + r.nextInt(3);
    for (int i = 0; i < rounds; i++) {
      b = mutateOnce(r, b);
    }
    return b;
  }

  private static byte[] mutateOnce(Random r, byte[] b) {
    if (b.length == 0) {
      return new byte[] {(byte) r.nextInt()};
    }
    int at = r.nextInt(b.length);
    switch (r.nextInt(8)) {
      case 0 -> b[at] ^= (byte) (1 << r.nextInt(8));
      case 1 -> b[at] = (byte) r.nextInt();
      case 2 -> b = Arrays.copyOf(b, at);
      case 3 -> {
        byte[] c = new byte[b.length + 1];
        System.arraycopy(b, 0, c, 0, at);
        c[at] = (byte) r.nextInt();
        System.arraycopy(b, at, c, at + 1, b.length - at);
        b = c;
      }
      case 4 -> {
        byte[] c = new byte[b.length - 1];
        System.arraycopy(b, 0, c, 0, at);
        System.arraycopy(b, at + 1, c, at, b.length - at - 1);
        b = c;
      }
      case 5 -> {
        // A length-like field set to an extreme.
        int[] extremes = {0, 1, 0x7f, 0x80, 0xff};
        for (int k = at; k < Math.min(b.length, at + 1 + r.nextInt(4)); k++) {
          b[k] = (byte) extremes[r.nextInt(extremes.length)];
        }
      }
      case 6 -> {
        byte[] c = Arrays.copyOf(b, b.length + 1 + r.nextInt(40));
        for (int k = b.length; k < c.length; k++) {
          c[k] = (byte) r.nextInt();
        }
        b = c;
      }
      default -> {
        int len = Math.min(b.length - at, 1 + r.nextInt(33));
        int to = r.nextInt(b.length - len + 1);
        System.arraycopy(b.clone(), at, b, to, len);
      }
    }
    return b;
  }
}
