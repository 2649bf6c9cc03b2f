package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.latticefs.cas.hash.Blake3;
import org.slf4j.LoggerFactory;

/**
 * Content-defined chunking: FastCDC with a 64-bit gear hash and normalized chunking (two masks).
 *
 * <p>Cut points depend only on the bytes of the chunk being cut (never on what came before its
 * start, and never on how the input is buffered), so an edit moves at most the boundaries next to
 * it and identical content cuts identically in every file. The gear table and the cut rule are part
 * of the on-disk format: {@code ChunkerGoldenTest} pins the boundaries of {@link #DEFAULT} and of a
 * small configuration; changing either changes every manifest ref.
 *
 * <h2>The cut rule</h2>
 *
 * A chunk starting at {@code s} never ends before {@code s + min}. From there the gear hash {@code
 * fp = (fp << 1) + GEAR[b]} runs from zero; up to {@code s + avg} a cut follows the first byte
 * where the top {@code log2(avg) + level} bits of {@code fp} are all zero, after it the first byte
 * where the top {@code log2(avg) - level} bits are zero, and at {@code s + max} a cut is forced.
 * The last chunk of the input ends where the input ends (it may be shorter than {@code min}).
 *
 * <h2>Use</h2>
 *
 * <ul>
 *   <li>{@link #split(InputStream, Consumer)}: offset, length and ref of every chunk of a stream,
 *       without storing anything (what {@code lattice-fs chunk FILE} prints).
 *   <li>{@link #scan(InputStream, ChunkSink)}: the raw chunk bytes, for callers that store them.
 *   <li>{@link #cutLength(byte[], int, int)}: the primitive, for callers with their own buffers.
 * </ul>
 *
 * Instances are immutable and thread-safe.
 */
public final class Chunker {
  /** Smallest allowed {@code min}. */
  public static final int MIN_SIZE_LIMIT = 64;

  /** Largest allowed {@code max}: the largest chunk a manifest may list. */
  public static final int MAX_SIZE_LIMIT = Manifest.MAX_CHUNK_LENGTH;

  /**
   * The chunk sizes every Lattice file uses: min 64 KiB, average parameter 256 KiB (mean chunk
   * about 300 KiB), max 1 MiB, normalization level 2. Chosen by {@code ChunkSizeBench} (dedup) and
   * {@code ChunkStoreCostBench} (per-chunk cost on disk); see BENCHMARKS.md.
   */
  public static final Chunker DEFAULT = new Chunker(64 * 1024, 256 * 1024, 1024 * 1024, 2);

  private static final long[] GEAR = gearTable();

  /**
   * Whether {@link #cutLength} searches in C ({@link NativeCdc}): where BLAKE3 runs natively and
   * the C search agrees with the Java one on a test input.
   */
  private static final boolean NATIVE = NativeCdc.isAvailable() && nativeAgreesWithJava();

  private final int min;
  private final int avg;
  private final int max;
  private final int level;
  private final long maskSmall;
  private final long maskLarge;

  /**
   * A chunker with the given sizes.
   *
   * @param min smallest chunk (except the last of an input), at least {@link #MIN_SIZE_LIMIT}
   * @param avg target average, a power of two strictly between {@code min} and {@code max}
   * @param max largest chunk, at most {@link #MAX_SIZE_LIMIT}
   * @param level normalization level, 0 to 3: how strongly chunk sizes are pulled toward {@code
   *     avg}
   * @throws IllegalArgumentException if the sizes are out of range or inconsistent
   */
  public Chunker(int min, int avg, int max, int level) {
    if (min < MIN_SIZE_LIMIT || max > MAX_SIZE_LIMIT || !(min < avg && avg < max)) {
      throw new IllegalArgumentException(
          "need "
              + MIN_SIZE_LIMIT
              + " <= min < avg < max <= "
              + MAX_SIZE_LIMIT
              + ", got "
              + min
              + "/"
              + avg
              + "/"
              + max);
    }
    if (Integer.bitCount(avg) != 1) {
      throw new IllegalArgumentException("avg must be a power of two, got " + avg);
    }
    if (level < 0 || level > 3) {
      throw new IllegalArgumentException("normalization level must be 0..3, got " + level);
    }
    int bits = Integer.numberOfTrailingZeros(avg);
    this.min = min;
    this.avg = avg;
    this.max = max;
    this.level = level;
    this.maskSmall = topBits(bits + level);
    this.maskLarge = topBits(bits - level);
  }

  public int minSize() {
    return min;
  }

  public int avgSize() {
    return avg;
  }

  public int maxSize() {
    return max;
  }

  public int normalizationLevel() {
    return level;
  }

  /**
   * The length of the chunk that starts at {@code buf[off]}.
   *
   * <p>The caller passes either at least {@link #maxSize()} bytes, or all the bytes left in the
   * input (then the result may be the whole of {@code len}). Never reads outside {@code buf[off,
   * off+len)}.
   *
   * @return a length in {@code [1, min(len, max)]}, or 0 if {@code len} is 0
   */
  public int cutLength(byte[] buf, int off, int len) {
    if (off < 0 || len < 0 || off > buf.length - len) {
      throw new IndexOutOfBoundsException("off " + off + " len " + len + " of " + buf.length);
    }
    if (len <= min) {
      return len;
    }
    return NATIVE
        ? NativeCdc.cutLength(buf, off, len, min, avg, max, GEAR, maskSmall, maskLarge)
        : cutLengthJava(buf, off, len);
  }

  /** Whether {@link #cutLength} runs in C here. */
  public static boolean nativeCut() {
    return NATIVE;
  }

  /**
   * {@link #cutLength} in Java: the definition of the cut points, used where the C search is not
   * available (and by tests, against it). The caller has checked the bounds.
   */
  int cutLengthJava(byte[] buf, int off, int len) {
    if (len <= min) {
      return len;
    }
    int n = Math.min(len, max);
    int normal = Math.min(avg, n);
    long fp = 0;
    long[] gear = GEAR;
    long ms = maskSmall;
    int i = off + min;
    int stop = off + normal;
    for (; i < stop; i++) {
      fp = (fp << 1) + gear[buf[i] & 0xff];
      if ((fp & ms) == 0) {
        return i - off + 1;
      }
    }
    long ml = maskLarge;
    stop = off + n;
    for (; i < stop; i++) {
      fp = (fp << 1) + gear[buf[i] & 0xff];
      if ((fp & ml) == 0) {
        return i - off + 1;
      }
    }
    return n;
  }

  /**
   * Cuts everything {@code in} yields, until end of stream, handing each chunk's bytes to {@code
   * sink} in order. Memory use is bounded (a few times {@link #maxSize()}); the caller closes
   * {@code in}. An empty stream yields no chunks.
   *
   * @return the number of bytes read
   */
  public long scan(InputStream in, ChunkSink sink) throws IOException {
    ChunkSource source =
        new ChunkSource(this, ChunkSource.Input.of(in), ChunkSource.bufferSize(this));
    long total = 0;
    for (ChunkSource.Block b = source.next(); b != null; b = source.next()) {
      int start = 0;
      for (int k = 0; k < b.count(); k++) {
        int end = b.ends()[k];
        sink.accept(b.offset() + start, b.buf(), start, end - start);
        start = end;
      }
      total = b.offset() + start;
      source.release(b);
    }
    return total;
  }

  /**
   * Cuts everything {@code in} yields and reports each chunk's offset, length and BLAKE3 ref, in
   * order, storing nothing (like {@code ipfs add --only-hash}). The caller closes {@code in}.
   *
   * @return the number of bytes read
   */
  public long split(InputStream in, Consumer<Chunk> out) throws IOException {
    return scan(
        in,
        (offset, buf, off, len) -> out.accept(new Chunk(offset, len, Blake3.hash(buf, off, len))));
  }

  @Override
  public String toString() {
    return "Chunker[min=" + min + ", avg=" + avg + ", max=" + max + ", level=" + level + "]";
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Chunker c
        && c.min == min
        && c.avg == avg
        && c.max == max
        && c.level == level;
  }

  @Override
  public int hashCode() {
    return ((min * 31 + avg) * 31 + max) * 31 + level;
  }

  private static long topBits(int n) {
    return n <= 0 ? 0 : -1L << (64 - n);
  }

  /**
   * Entry {@code i} is the first 8 bytes (little-endian) of BLAKE3("lattice-fastcdc-gear-v1" || i
   * as one byte). Frozen: part of the on-disk format.
   */
  /**
   * Cuts 256 KiB of pseudo-random bytes followed by 16 KiB of zeros with a small chunker, in C and
   * in Java: a library built differently from the tested one must not change chunk boundaries (they
   * are part of the on-disk format). About a hundred cuts; logs and returns false on a mismatch.
   */
  private static boolean nativeAgreesWithJava() {
    Chunker c = new Chunker(256, 1024, 4096, 2);
    byte[] data = new byte[(256 + 16) << 10];
    long x = 0x9E3779B97F4A7C15L;
    for (int i = 0; i < 256 << 10; i++) {
      x ^= x << 13;
      x ^= x >>> 7;
      x ^= x << 17;
      data[i] = (byte) x;
    }
    for (int pos = 0; pos < data.length; ) {
      int java = c.cutLengthJava(data, pos, data.length - pos);
      int nat =
          NativeCdc.cutLength(
              data, pos, data.length - pos, 256, 1024, 4096, GEAR, c.maskSmall, c.maskLarge);
      if (java != nat) {
        LoggerFactory.getLogger(Chunker.class)
            .error(
                "the native chunk cut ({}) differs from Java's ({}) at {}: chunking in Java",
                nat,
                java,
                pos);
        return false;
      }
      pos += java;
    }
    return true;
  }

  private static long[] gearTable() {
    byte[] seed = "lattice-fastcdc-gear-v1".getBytes(StandardCharsets.US_ASCII);
    byte[] msg = new byte[seed.length + 1];
    System.arraycopy(seed, 0, msg, 0, seed.length);
    long[] table = new long[256];
    for (int i = 0; i < 256; i++) {
      msg[seed.length] = (byte) i;
      byte[] h = Blake3.hash(msg).bytes();
      long v = 0;
      for (int k = 7; k >= 0; k--) {
        v = (v << 8) | (h[k] & 0xff);
      }
      table[i] = v;
    }
    return table;
  }

  /** A copy of the gear table, for the golden test that freezes it. */
  static long[] gear() {
    return GEAR.clone();
  }

  /** Receives the bytes of one chunk; they are only valid during the call. */
  @FunctionalInterface
  public interface ChunkSink {
    /**
     * Called once per chunk, in order.
     *
     * @param offset where the chunk starts in the input
     * @param buf holds the chunk at {@code buf[off, off+len)}; do not keep or modify it
     */
    void accept(long offset, byte[] buf, int off, int len) throws IOException;
  }
}
