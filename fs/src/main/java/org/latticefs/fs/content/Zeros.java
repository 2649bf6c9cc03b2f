package org.latticefs.fs.content;

import java.nio.ByteBuffer;

/** Zero bytes for holes: the parts of a file's content that nothing was written to. */
final class Zeros {
  private static final byte[] ZEROS = new byte[64 * 1024];

  private Zeros() {}

  /** Puts {@code n} zero bytes into {@code dst}. */
  static void fill(ByteBuffer dst, int n) {
    while (n > 0) {
      int k = Math.min(n, ZEROS.length);
      dst.put(ZEROS, 0, k);
      n -= k;
    }
  }
}
