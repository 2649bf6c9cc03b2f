package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;

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
  private static final byte[] MAGIC = {'L', 'A', 'T', 'T', 'R', 'U', '0', '1'};
  private static final int HEADER = MAGIC.length + 8;
  private static final int ENTRY = 4 + 3 * 8;

  /** Per slot: the ref's first 8 bytes, the file's inode, its change time (0, 0, 0: empty). */
  private final long[] table;

  private final Object[] locks = new Object[LOCKS];
  private final int mask;

  TrustedCopies() {
    this(SLOTS);
  }

  /** A table of {@code slots} entries, a power of two from 64 (small ones for tests). */
  TrustedCopies(int slots) {
    if (slots < LOCKS || Integer.bitCount(slots) != 1) {
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

  /** Saves the entries in use to {@code file}, atomically. */
  void save(Path file) throws IOException {
    int used = 0;
    ByteBuffer b = ByteBuffer.allocate(HEADER + (table.length / 3) * ENTRY + 4);
    b.put(MAGIC).putInt(mask + 1).putInt(0);
    for (int lock = 0; lock < LOCKS; lock++) {
      synchronized (locks[lock]) {
        for (int slot = lock; slot <= mask; slot += LOCKS) {
          int i = 3 * slot;
          if (table[i + 1] != 0) {
            b.putInt(slot).putLong(table[i]).putLong(table[i + 1]).putLong(table[i + 2]);
            used++;
          }
        }
      }
    }
    b.putInt(MAGIC.length + 4, used);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    AtomicFile.write(file, Arrays.copyOf(b.array(), b.position()));
  }

  /**
   * Loads what {@link #save} wrote to {@code file}; returns whether it did. A missing file, or one
   * that is damaged or made for another table size, loads nothing (blobs are then checked again).
   */
  boolean load(Path file) {
    byte[] data;
    try {
      if (Files.size(file) > HEADER + (long) (table.length / 3) * ENTRY + 4) {
        return false;
      }
      data = Files.readAllBytes(file);
    } catch (IOException e) {
      return false;
    }
    if (data.length < HEADER + 4) {
      return false;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    int slots = b.getInt();
    int n = b.getInt();
    if (!Arrays.equals(magic, MAGIC)
        || slots != mask + 1
        || n < 0
        || (long) HEADER + (long) n * ENTRY + 4 != data.length
        || b.getInt(data.length - 4) != (int) crc.getValue()) {
      return false;
    }
    for (int k = 0; k < n; k++) {
      int slot = b.getInt();
      long key = b.getLong();
      long ino = b.getLong();
      long ctime = b.getLong();
      if (slot < 0 || slot > mask) {
        return false;
      }
      synchronized (locks[slot & (LOCKS - 1)]) {
        table[3 * slot] = key;
        table[3 * slot + 1] = ino;
        table[3 * slot + 2] = ctime;
      }
    }
    return true;
  }

  /** The ref's bytes 8..11: uniform (a hash), and apart from the key's bytes. */
  private int slot(BlobRef ref) {
    byte[] b = ref.bytes();
    int h = (b[8] & 0xff) << 24 | (b[9] & 0xff) << 16 | (b[10] & 0xff) << 8 | (b[11] & 0xff);
    return h & mask;
  }

  /** The table key of {@code ref}: its first 8 bytes ({@link BlobRef#prefix()}). */
  static long key(BlobRef ref) {
    return ref.prefix();
  }
}
