package org.latticefs.cas.chunk;

import java.util.Objects;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.NativeBlake3;

/**
 * The content-defined chunker's cut-point search in C ({@code lattice_cdc.c}, in the library that
 * {@link Blake3} loads): for {@code org.latticefs.cas.chunk.Chunker}, which owns the algorithm and
 * uses this only when it is available. It gives exactly the Java loop's results (tested on random
 * and repetitive inputs), at about 2.5 times its speed.
 */
public final class NativeCdc {
  private NativeCdc() {}

  /** Whether the C search can be used: when BLAKE3 itself runs natively. */
  public static boolean isAvailable() {
    return Blake3.nativeLibIfChosen() != null;
  }

  /**
   * The length of the chunk starting at {@code buf[off]}, of {@code len} bytes there: a cut after
   * the first position at or past {@code min} whose gear hash has no bit of {@code maskSmall} set
   * (before {@code avg}) or of {@code maskLarge} (from {@code avg} on), else {@code min(len, max)}.
   *
   * @param gear 256 entries
   * @throws IndexOutOfBoundsException if {@code [off, off+len)} is not inside {@code buf}
   * @throws IllegalArgumentException if the sizes are not {@code 0 < min < avg < max} or {@code
   *     gear} does not have 256 entries
   * @throws IllegalStateException if {@link #isAvailable()} is false
   */
  public static int cutLength(
      byte[] buf,
      int off,
      int len,
      int min,
      int avg,
      int max,
      long[] gear,
      long maskSmall,
      long maskLarge) {
    // The C code trusts its arguments: a bad one here would read outside the arrays.
    Objects.checkFromIndexSize(off, len, buf.length);
    if (min <= 0 || avg <= min || max <= avg || gear.length != 256) {
      throw new IllegalArgumentException(
          "need 0 < min < avg < max and 256 gear entries, got "
              + min
              + "/"
              + avg
              + "/"
              + max
              + ", "
              + gear.length);
    }
    NativeBlake3 lib = Blake3.nativeLibIfChosen();
    if (lib == null) {
      throw new IllegalStateException("native chunking is not available");
    }
    return lib.cdcCut(buf, off, len, min, avg, max, gear, maskSmall, maskLarge);
  }
}
