package org.latticefs.cas.store;

import org.latticefs.cas.BlobRef;

/**
 * Remembers, for recently stored or checked blobs, which file held the right bytes and when it last
 * changed: so that a receive of content already present counts on the copy there only if this
 * process wrote it, or checked it byte by byte, and it has not changed since.
 *
 * <h2>What it vouches for</h2>
 *
 * A blob file whose inode and change time ({@link BlobFileStat}) are the ones remembered for its
 * ref: the same file, untouched by any write, truncation or replacement since it was written or
 * checked (a program cannot set a change time back). It cannot see bits that rot on the disk
 * without a write; reads still verify every byte, and a receive of the same content after such
 * damage is found repairs it.
 *
 * <h2>Cost</h2>
 *
 * A fixed table of {@value #SLOTS} entries (three longs each, 6 MiB), one entry per ref slot: a new
 * entry replaces an older one in its slot, and a forgotten blob is simply checked again. Nothing is
 * kept on disk: after a restart each blob is checked the first time a receive counts on it (or when
 * a whole fetch verifies it). Thread-safe: a lock per group of slots.
 */
final class TrustedCopies {
  static final int SLOTS = 1 << 18;
  private static final int LOCKS = 64;

  /** Per slot: the ref's first 8 bytes, the file's inode, its change time (0, 0, 0: empty). */
  private final long[] table;

  private final Object[] locks = new Object[LOCKS];
  private final int mask;

  TrustedCopies() {
    this(SLOTS);
  }

  /** A table of {@code slots} entries, a power of two (small ones for tests). */
  TrustedCopies(int slots) {
    if (slots < 1 || Integer.bitCount(slots) != 1) {
      throw new IllegalArgumentException("slots must be a power of two, got " + slots);
    }
    table = new long[3 * slots];
    mask = slots - 1;
    for (int i = 0; i < LOCKS; i++) {
      locks[i] = new Object();
    }
  }

  /** Whether the file described by {@code stat} is the copy of {@code ref} remembered as good. */
  boolean vouches(BlobRef ref, BlobFileStat stat) {
    int slot = slot(ref);
    synchronized (locks[slot & (LOCKS - 1)]) {
      int i = 3 * slot;
      return table[i] == key(ref)
          && table[i + 1] == stat.ino()
          && table[i + 2] == stat.ctimeNanos()
          && stat.ino() != 0;
    }
  }

  /** Remembers the file described by {@code stat} as a good copy of {@code ref}. */
  void remember(BlobRef ref, BlobFileStat stat) {
    int slot = slot(ref);
    synchronized (locks[slot & (LOCKS - 1)]) {
      int i = 3 * slot;
      table[i] = key(ref);
      table[i + 1] = stat.ino();
      table[i + 2] = stat.ctimeNanos();
    }
  }

  /** Forgets {@code ref}'s copy (it was removed). */
  void forget(BlobRef ref) {
    int slot = slot(ref);
    synchronized (locks[slot & (LOCKS - 1)]) {
      int i = 3 * slot;
      if (table[i] == key(ref)) {
        table[i] = 0;
        table[i + 1] = 0;
        table[i + 2] = 0;
      }
    }
  }

  /** The ref's bytes 8..11: uniform (a hash), and apart from the key's bytes. */
  private int slot(BlobRef ref) {
    byte[] b = ref.bytes();
    int h = (b[8] & 0xff) << 24 | (b[9] & 0xff) << 16 | (b[10] & 0xff) << 8 | (b[11] & 0xff);
    return h & mask;
  }

  private static long key(BlobRef ref) {
    byte[] b = ref.bytes();
    long k = 0;
    for (int i = 0; i < 8; i++) {
      k = (k << 8) | (b[i] & 0xff);
    }
    return k;
  }
}
