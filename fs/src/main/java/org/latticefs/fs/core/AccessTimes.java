package org.latticefs.fs.core;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access times kept on this node only: reading a file moves its atime as {@code relatime} says,
 * without a replicated log entry per read (a read is not a change to share with every peer).
 *
 * <h2>Rule</h2>
 *
 * A read sets the atime to now when the atime shown is not after the file's mtime or ctime, or is a
 * day old or more ({@code relatime}, Linux's default). What {@code stat} shows is the later of the
 * inode's atime (replicated: set by {@code utimens}, {@code touch -a}, a copy's {@code -p}) and the
 * time recorded here. A record remembers the inode atime it was made over: once that changes (an
 * explicit {@code utimens} here or on a peer, even to an earlier time), the record no longer
 * applies and the inode's value shows.
 *
 * <h2>Memory and disk</h2>
 *
 * Records are kept by inode number in open-addressing arrays (24 bytes each, no object per record),
 * at most {@code capacity}; when full, the older half is dropped (those files show their inode's
 * atime again). With a file, the table is loaded at start and saved atomically ({@link AtomicFile})
 * by {@link #save()}, which the owner calls periodically and at close; a crash loses the reads
 * since the last save, which only makes atimes look older. An unreadable file is logged and ignored
 * (atimes are a hint, never data).
 *
 * <h2>File format</h2>
 *
 * {@code "LATM"}, u32 version 1, u32 count, then count × (i64 ino, i64 base, i64 atime), then the
 * CRC32C of everything before it (u32). Big-endian. The reader refuses a count over the capacity.
 *
 * <p>Thread-safe (one lock; every operation is a few array accesses).
 */
final class AccessTimes {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTimes.class);
  private static final int MAGIC = 0x4c41544d; // "LATM"
  private static final int FORMAT = 1;
  private static final long DAY_NANOS = 86_400_000_000_000L;

  /** The default number of records kept. */
  static final int DEFAULT_CAPACITY = 1 << 18;

  private final Path file;
  private final int capacity;
  private long[] inos;
  private long[] bases;
  private long[] times;
  private int size;
  private boolean dirty;

  /**
   * A table of at most {@code capacity} records, loaded from {@code file} if it exists ({@code
   * file} null: in memory only).
   */
  AccessTimes(Path file, int capacity) {
    if (capacity < 2) {
      throw new IllegalArgumentException("capacity " + capacity);
    }
    this.file = file;
    this.capacity = capacity;
    allocate(Math.min(capacity, 1024));
    if (file != null) {
      load();
    }
  }

  /** The atime {@code stat} shows for inode number {@code ino} whose inode holds {@code atime}. */
  synchronized long atime(long ino, long inodeAtime) {
    int i = find(ino);
    if (i < 0 || bases[i] != inodeAtime) {
      return inodeAtime;
    }
    return Math.max(inodeAtime, times[i]);
  }

  /**
   * Records a read of inode number {@code ino} at {@code now}, if {@code relatime} says the atime
   * moves (see the class comment).
   */
  synchronized void read(long ino, long inodeAtime, long mtime, long ctime, long now) {
    long shown = atime(ino, inodeAtime);
    if (shown > mtime && shown > ctime && now - shown < DAY_NANOS) {
      return;
    }
    put(ino, inodeAtime, now);
  }

  /** How many records are held. */
  synchronized int size() {
    return size;
  }

  /** Writes the table to its file if it changed since the last save (no file: nothing). */
  void save() throws IOException {
    byte[] bytes;
    synchronized (this) {
      if (file == null || !dirty) {
        return;
      }
      bytes = encode();
      dirty = false;
    }
    try {
      AtomicFile.write(file, bytes);
    } catch (IOException e) {
      synchronized (this) {
        dirty = true;
      }
      throw e;
    }
  }

  // ---- the table: linear probing over ino (never 0: the kernel never sees inode number 0)

  private void allocate(int slots) {
    int n = Integer.highestOneBit(Math.max(4, slots * 2 - 1)) * 2;
    inos = new long[n];
    bases = new long[n];
    times = new long[n];
    size = 0;
  }

  private int slot(long ino) {
    long h = ino * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 33) & (inos.length - 1);
  }

  private int find(long ino) {
    for (int i = slot(ino); ; i = (i + 1) & (inos.length - 1)) {
      if (inos[i] == ino) {
        return i;
      }
      if (inos[i] == 0) {
        return -1;
      }
    }
  }

  private void put(long ino, long base, long time) {
    if (ino == 0) {
      return;
    }
    int i = find(ino);
    if (i < 0) {
      if (size >= capacity) {
        dropOlderHalf();
      } else if ((size + 1) * 2 > inos.length) {
        rehash(inos.length * 2);
      }
      i = slot(ino);
      while (inos[i] != 0) {
        i = (i + 1) & (inos.length - 1);
      }
      inos[i] = ino;
      size++;
    }
    bases[i] = base;
    times[i] = time;
    dirty = true;
  }

  private void rehash(int slots) {
    long[] oi = inos;
    long[] ob = bases;
    long[] ot = times;
    inos = new long[slots];
    bases = new long[slots];
    times = new long[slots];
    size = 0;
    for (int i = 0; i < oi.length; i++) {
      if (oi[i] != 0) {
        int j = slot(oi[i]);
        while (inos[j] != 0) {
          j = (j + 1) & (inos.length - 1);
        }
        inos[j] = oi[i];
        bases[j] = ob[i];
        times[j] = ot[i];
        size++;
      }
    }
  }

  /** Keeps the newer half of the records (by recorded time). */
  private void dropOlderHalf() {
    long[] sorted = new long[size];
    int k = 0;
    for (int i = 0; i < inos.length; i++) {
      if (inos[i] != 0) {
        sorted[k++] = times[i];
      }
    }
    Arrays.sort(sorted);
    long cutoff = sorted[size / 2];
    boolean older = sorted[0] < cutoff;
    for (int i = 0; i < inos.length; i++) {
      if (inos[i] != 0 && (older ? times[i] < cutoff : times[i] <= cutoff)) {
        inos[i] = 0;
      }
    }
    rehash(inos.length);
  }

  // ---- the file

  private byte[] encode() {
    ByteBuffer b = ByteBuffer.allocate(12 + 24 * size + 4);
    b.putInt(MAGIC).putInt(FORMAT).putInt(size);
    for (int i = 0; i < inos.length; i++) {
      if (inos[i] != 0) {
        b.putLong(inos[i]).putLong(bases[i]).putLong(times[i]);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    return b.array();
  }

  private void load() {
    byte[] bytes;
    try {
      if (Files.size(file) > 16 + 24L * capacity) {
        throw new IOException("larger than " + capacity + " records");
      }
      bytes = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return;
    } catch (IOException e) {
      LOG.warn("ignoring the access times in {}: {}", file, e.getMessage());
      return;
    }
    try {
      decode(bytes);
    } catch (RuntimeException e) {
      allocate(Math.min(capacity, 1024));
      LOG.warn("ignoring the access times in {}: {}", file, e.getMessage());
    }
  }

  private void decode(byte[] bytes) {
    ByteBuffer b = ByteBuffer.wrap(bytes);
    if (bytes.length < 16 || b.getInt() != MAGIC || b.getInt() != FORMAT) {
      throw new IllegalArgumentException("not an access-time table of format " + FORMAT);
    }
    int count = b.getInt();
    if (count < 0 || count > capacity || bytes.length != 12 + 24L * count + 4) {
      throw new IllegalArgumentException("bad record count " + count);
    }
    CRC32C crc = new CRC32C();
    crc.update(bytes, 0, bytes.length - 4);
    if ((int) crc.getValue() != ByteBuffer.wrap(bytes, bytes.length - 4, 4).getInt()) {
      throw new IllegalArgumentException("checksum mismatch");
    }
    allocate(Math.max(count, 1024));
    for (int i = 0; i < count; i++) {
      put(b.getLong(), b.getLong(), b.getLong());
    }
    dirty = false;
  }
}
