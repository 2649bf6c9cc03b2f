package org.latticefs.cas.hash;

import org.latticefs.cas.BlobRef;

/**
 * A deliberately plain BLAKE3 written from the specification (compression function, chunks,
 * parents, the left-complete tree), slow and independent of the C library: it lets tests check the
 * chaining value of any subtree, which no library exposes.
 */
final class ReferenceBlake3Tree {
  private ReferenceBlake3Tree() {}

  private static final int CHUNK_START = 1;
  private static final int CHUNK_END = 2;
  private static final int PARENT = 4;
  private static final int ROOT = 8;
  private static final int CHUNK_LEN = 1024;

  private static final int[] IV = {
    0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A, 0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19
  };

  private static final int[] PERMUTATION = {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8};

  private static void g(int[] s, int a, int b, int c, int d, int mx, int my) {
    s[a] = s[a] + s[b] + mx;
    s[d] = Integer.rotateRight(s[d] ^ s[a], 16);
    s[c] = s[c] + s[d];
    s[b] = Integer.rotateRight(s[b] ^ s[c], 12);
    s[a] = s[a] + s[b] + my;
    s[d] = Integer.rotateRight(s[d] ^ s[a], 8);
    s[c] = s[c] + s[d];
    s[b] = Integer.rotateRight(s[b] ^ s[c], 7);
  }

  /** The first 8 words of the compression function's output. */
  private static int[] compress(int[] cv, int[] block, long counter, int blockLen, int flags) {
    int[] s = {
      cv[0],
      cv[1],
      cv[2],
      cv[3],
      cv[4],
      cv[5],
      cv[6],
      cv[7],
      IV[0],
      IV[1],
      IV[2],
      IV[3],
      (int) counter,
      (int) (counter >>> 32),
      blockLen,
      flags
    };
    int[] m = block.clone();
    for (int round = 0; round < 7; round++) {
      g(s, 0, 4, 8, 12, m[0], m[1]);
      g(s, 1, 5, 9, 13, m[2], m[3]);
      g(s, 2, 6, 10, 14, m[4], m[5]);
      g(s, 3, 7, 11, 15, m[6], m[7]);
      g(s, 0, 5, 10, 15, m[8], m[9]);
      g(s, 1, 6, 11, 12, m[10], m[11]);
      g(s, 2, 7, 8, 13, m[12], m[13]);
      g(s, 3, 4, 9, 14, m[14], m[15]);
      int[] p = new int[16];
      for (int i = 0; i < 16; i++) {
        p[i] = m[PERMUTATION[i]];
      }
      m = p;
    }
    int[] out = new int[8];
    for (int i = 0; i < 8; i++) {
      out[i] = s[i] ^ s[i + 8];
    }
    return out;
  }

  private static int[] words(byte[] data, int off, int len) {
    int[] w = new int[16];
    for (int i = 0; i < len; i++) {
      w[i / 4] |= (data[off + i] & 0xff) << (8 * (i % 4));
    }
    return w;
  }

  private static int[] chunkCv(byte[] data, int off, int len, long counter, int rootFlag) {
    int[] cv = IV;
    int blocks = Math.max(1, (len + 63) / 64);
    for (int b = 0; b < blocks; b++) {
      int blockLen = Math.min(64, len - b * 64);
      int flags = (b == 0 ? CHUNK_START : 0) | (b == blocks - 1 ? CHUNK_END | rootFlag : 0);
      cv = compress(cv, words(data, off + b * 64, blockLen), counter, blockLen, flags);
    }
    return cv;
  }

  private static int[] parentCv(int[] left, int[] right, int rootFlag) {
    int[] block = new int[16];
    System.arraycopy(left, 0, block, 0, 8);
    System.arraycopy(right, 0, block, 8, 8);
    return compress(IV, block, 0, 64, PARENT | rootFlag);
  }

  private static int[] node(byte[] data, int off, int len, long chunkCounter, int rootFlag) {
    if (len <= CHUNK_LEN) {
      return chunkCv(data, off, len, chunkCounter, rootFlag);
    }
    int fullChunks = (len - 1) / CHUNK_LEN;
    int left = Integer.highestOneBit(fullChunks) * CHUNK_LEN;
    int[] l = node(data, off, left, chunkCounter, 0);
    int[] r = node(data, off + left, len - left, chunkCounter + left / CHUNK_LEN, 0);
    return parentCv(l, r, rootFlag);
  }

  private static byte[] bytes(int[] words) {
    byte[] out = new byte[32];
    for (int i = 0; i < 32; i++) {
      out[i] = (byte) (words[i / 4] >>> (8 * (i % 4)));
    }
    return out;
  }

  /** The chaining value (not root-finalized) of the subtree over data[off, off+len). */
  static byte[] subtreeCv(byte[] data, int off, int len, long chunkCounter) {
    return bytes(node(data, off, len, chunkCounter, 0));
  }

  /** The BLAKE3-256 hash of data[off, off+len). */
  static BlobRef hash(byte[] data, int off, int len) {
    return new BlobRef(bytes(node(data, off, len, 0, ROOT)));
  }
}
