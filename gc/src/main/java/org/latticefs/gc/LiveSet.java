package org.latticefs.gc;

import org.latticefs.cas.BlobRef;

/**
 * The refs a collection pass found live, as a Bloom filter: 16 bits per expected ref and 8 probes,
 * so about 2 bytes per blob (20 MB at 10 million) and roughly one false positive in 2,000 at the
 * expected count.
 *
 * <p>Never a false negative, so a live blob is never taken for garbage; a false positive keeps a
 * garbage blob for one pass. The seed changes every pass, so no garbage blob is kept forever by the
 * same collisions. Refs are cryptographic hashes: two of their 64-bit words, mixed with the seed,
 * give every probe (double hashing). Not thread-safe: one pass, one thread.
 */
final class LiveSet {
  static final int BITS_PER_REF = 16;
  static final int PROBES = 8;
  private static final long MIN_BITS = 1 << 16;

  private final long[] words;
  private final long bits;
  private final long seed;
  private final byte[] scratch = new byte[BlobRef.LENGTH];
  private long added;

  private LiveSet(long bits, long seed) {
    this.words = new long[(int) ((bits + 63) >>> 6)];
    this.bits = (long) words.length << 6;
    this.seed = seed;
  }

  /** A set sized for {@code expected} refs (the store's blob count), probing with {@code seed}. */
  static LiveSet sized(long expected, long seed) {
    long want = Math.max(MIN_BITS, Math.max(0, expected) * BITS_PER_REF);
    // A Java array holds at most 2^31 - 1 longs: 2^37 bits, far beyond any blob count we expect.
    long cap = (long) (Integer.MAX_VALUE - 8) << 6;
    return new LiveSet(Math.min(want, cap), seed);
  }

  void add(BlobRef ref) {
    long[] h = hashes(ref);
    for (int i = 0; i < PROBES; i++) {
      long bit = index(h[0] + i * h[1]);
      words[(int) (bit >>> 6)] |= 1L << bit;
    }
    added++;
  }

  boolean mightContain(BlobRef ref) {
    long[] h = hashes(ref);
    for (int i = 0; i < PROBES; i++) {
      long bit = index(h[0] + i * h[1]);
      if ((words[(int) (bit >>> 6)] & (1L << bit)) == 0) {
        return false;
      }
    }
    return true;
  }

  /** Calls of {@link #add} so far (a ref added twice counts twice). */
  long added() {
    return added;
  }

  /** Heap the filter takes. */
  long bytes() {
    return (long) words.length * 8;
  }

  private long index(long h) {
    return Long.remainderUnsigned(h, bits);
  }

  private long[] hashes(BlobRef ref) {
    ref.copyTo(scratch, 0);
    long w0 = 0;
    long w1 = 0;
    for (int i = 0; i < 8; i++) {
      w0 = (w0 << 8) | (scratch[i] & 0xff);
      w1 = (w1 << 8) | (scratch[8 + i] & 0xff);
    }
    return new long[] {mix(w0 ^ seed), mix(w1 + seed * 0x9E3779B97F4A7C15L) | 1};
  }

  /** SplitMix64's finalizer. */
  private static long mix(long z) {
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
