package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobRef;

/**
 * The table behind {@link AccessTracker}: a ref's key (its first 8 bytes) to a positive int time,
 * in 64 stripes of open-addressing tables of 12-byte slots (key, time) kept off the Java heap, each
 * entry marked dirty when it changes until {@link #drainDirty} hands it to the journal.
 *
 * <h2>Memory</h2>
 *
 * About 16 to 24 bytes per ref (slots are at most three quarters full, and grow by doubling), no
 * object per entry. A disk store's slots live in memory-mapped scratch files under its {@code tmp/}
 * directory, unlinked as soon as they are mapped: the kernel pages them out under memory pressure
 * like any file, they count toward neither the heap nor the direct-memory limit, and nothing of
 * them survives the process (the tracker's snapshot and journal are the record). A table without a
 * directory (tests, the memory store) keeps its slots in heap buffers.
 *
 * <h2>Keys</h2>
 *
 * Refs are cryptographic hashes, so 8 bytes tell 10 million of them apart with a collision
 * probability near 3 in a million; two refs sharing a key share a time, which only makes one look
 * used when the other was. Callers that need refs enumerate the blobs and look their keys up.
 *
 * <p>Thread-safe: each stripe has its own lock; whole-table views ({@link #forEach}) are consistent
 * per stripe, not across stripes.
 */
final class AccessTable {
  private static final int STRIPES = 64;
  private static final int DIRTY = 0x8000_0000;
  static final int SLOT = 12;
  private static final int MIN_SLOTS = 256;
  static final int HEAP_SLOTS = 4096;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(AccessTable.class);

  /** Receives entries: {@code time} 0 means "forgotten". */
  @FunctionalInterface
  interface EntryVisitor {
    void entry(long key, int time);
  }

  private final Path scratch;
  private final AtomicLong files = new AtomicLong();
  private volatile boolean warnedFull;
  private final Stripe[] stripes = new Stripe[STRIPES];

  /**
   * @param scratch where the slots' files are made (and unlinked at once); null: on the heap
   */
  AccessTable(Path scratch) {
    this.scratch = scratch;
    clear();
  }

  /** Empties the table. */
  void clear() {
    for (int i = 0; i < STRIPES; i++) {
      Stripe old = stripes[i];
      stripes[i] = new Stripe(this, i);
      if (old != null) {
        old.free();
      }
    }
  }

  /** Frees the slots (unmaps their files); later calls find an empty table that keeps nothing. */
  void close() {
    for (Stripe s : stripes) {
      s.free();
    }
  }

  /** The table key of {@code ref}: its first 8 bytes ({@link BlobRef#prefix()}). */
  static long key(BlobRef ref) {
    return ref.prefix();
  }

  /**
   * Records {@code time} (positive) for {@code key} unless a later or equal time is recorded, or
   * any time is with {@code onlyIfAbsent}. With {@code markDirty} a change is marked for the
   * journal. Returns whether anything changed.
   */
  boolean put(long key, int time, boolean onlyIfAbsent, boolean markDirty) {
    return stripeOf(key).put(key, time, onlyIfAbsent, markDirty);
  }

  /** The time recorded for {@code key}, 0 if none. */
  int get(long key) {
    return stripeOf(key).get(key);
  }

  /**
   * Drops {@code key}; with {@code journal} the removal is remembered for {@link #drainDirty}.
   * Returns whether it was present.
   */
  boolean remove(long key, boolean journal) {
    return stripeOf(key).remove(key, journal);
  }

  /** How many keys have a time. */
  int size() {
    int n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += s.size;
      }
    }
    return n;
  }

  /** Bytes of slots allocated (off the heap for a disk store). */
  long slotBytes() {
    long n = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        n += (long) s.capacity * SLOT;
      }
    }
    return n;
  }

  /** Visits every entry (times without the dirty mark), stripe by stripe. */
  void forEach(EntryVisitor visitor) {
    for (Stripe s : stripes) {
      synchronized (s) {
        for (int i = 0; i < s.capacity; i++) {
          int t = s.time(i);
          if (t != 0) {
            visitor.entry(s.key(i), t & ~DIRTY);
          }
        }
      }
    }
  }

  /**
   * Hands every change since the last drain to {@code visitor} (null: only clears the marks),
   * removals first within a stripe; returns how many.
   */
  int drainDirty(EntryVisitor visitor) {
    int count = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        // Forgets first: a ref forgotten and then touched again is present after replay, and one
        // touched and then forgotten is no longer in the table, so it only appears here.
        for (int i = 0; i < s.forgottenCount; i++) {
          if (visitor != null) {
            visitor.entry(s.forgotten[i], 0);
          }
          count++;
        }
        s.forgottenCount = 0;
        if (s.forgotten.length > 64) {
          s.forgotten = new long[16];
        }
        for (int i = 0; i < s.capacity; i++) {
          int t = s.time(i);
          if ((t & DIRTY) != 0) {
            s.setTime(i, t & ~DIRTY);
            if (visitor != null) {
              visitor.entry(s.key(i), t & ~DIRTY);
            }
            count++;
          }
        }
      }
    }
    return count;
  }

  private Stripe stripeOf(long key) {
    return stripes[(int) (key >>> 58)];
  }

  /**
   * Slots for {@code n} entries: on the heap, or in a mapped file written with zeros and unlinked
   * once mapped. Null if the file cannot be made (a full disk).
   */
  private ByteBuffer allocate(int stripe, int n) {
    int bytes = Math.multiplyExact(n, SLOT);
    if (scratch == null || n <= HEAP_SLOTS) {
      return ByteBuffer.allocate(bytes);
    }
    Path f = scratch.resolve("access-" + stripe + "-" + files.incrementAndGet() + ".slots");
    try (FileChannel ch =
        FileChannel.open(
            f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      try {
        ByteBuffer zeros = ByteBuffer.allocate(1 << 16);
        for (long pos = 0; pos < bytes; ) {
          zeros.clear().limit((int) Math.min(zeros.capacity(), bytes - pos));
          pos += ch.write(zeros, pos);
        }
        return ch.map(FileChannel.MapMode.READ_WRITE, 0, bytes);
      } finally {
        // The mapping keeps the pages; the name is not needed (and nothing is left after a crash).
        Files.deleteIfExists(f);
      }
    } catch (IOException e) {
      if (!warnedFull) {
        warnedFull = true;
        LOG.warn(
            "cannot grow the access-time table under {} ({}); times of new blobs are not kept",
            scratch,
            e.toString());
      }
      return null;
    }
  }

  /** Unmaps a mapped buffer now (heap buffers are left to the garbage collector). */
  private static void unmap(ByteBuffer b) {
    if (b == null || !b.isDirect()) {
      return;
    }
    try {
      java.lang.reflect.Field f = sun.misc.Unsafe.class.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      ((sun.misc.Unsafe) f.get(null)).invokeCleaner(b);
    } catch (ReflectiveOperationException | RuntimeException e) {
      LOG.debug("could not unmap access-time slots now: {}", e.toString());
    }
  }

  /**
   * Linear-probing table of (key, time) in 12-byte slots: time 0 marks an empty slot; the sign bit
   * marks an entry changed since the last drain.
   */
  private static final class Stripe {
    private final AccessTable table;
    private final int index;
    ByteBuffer slots;
    int capacity;
    int size;
    long[] forgotten = new long[16];
    int forgottenCount;

    Stripe(AccessTable table, int index) {
      this.table = table;
      this.index = index;
      this.capacity = MIN_SLOTS;
      this.slots = table.allocate(index, capacity);
    }

    /** Frees the slots; the stripe is empty and keeps nothing from now on. */
    synchronized void free() {
      ByteBuffer b = slots;
      slots = null;
      capacity = 0;
      size = 0;
      unmap(b);
    }

    long key(int i) {
      return slots.getLong(i * SLOT);
    }

    int time(int i) {
      return slots.getInt(i * SLOT + 8);
    }

    void setTime(int i, int t) {
      slots.putInt(i * SLOT + 8, t);
    }

    private void set(int i, long k, int t) {
      slots.putLong(i * SLOT, k);
      slots.putInt(i * SLOT + 8, t);
    }

    synchronized int get(long k) {
      if (slots == null) {
        return 0;
      }
      int i = find(k);
      return i < 0 ? 0 : time(i) & ~DIRTY;
    }

    synchronized boolean put(long k, int t, boolean onlyIfAbsent, boolean markDirty) {
      if (slots == null) {
        return false;
      }
      int i = find(k);
      if (i >= 0) {
        int cur = time(i);
        int old = cur & ~DIRTY;
        if (onlyIfAbsent || t <= old) {
          return false;
        }
        setTime(i, markDirty ? (t | DIRTY) : (t | (cur & DIRTY)));
        return true;
      }
      if ((size + 1) * 4 > capacity * 3 && !grow()) {
        return false;
      }
      int slot = home(k, capacity);
      while (time(slot) != 0) {
        slot = (slot + 1) & (capacity - 1);
      }
      set(slot, k, markDirty ? (t | DIRTY) : t);
      size++;
      return true;
    }

    synchronized boolean remove(long k, boolean journal) {
      if (slots == null) {
        return false;
      }
      int i = find(k);
      if (i < 0) {
        return false;
      }
      if (journal) {
        if (forgottenCount == forgotten.length) {
          forgotten = java.util.Arrays.copyOf(forgotten, forgotten.length * 2);
        }
        forgotten[forgottenCount++] = k;
      }
      size--;
      // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
      int mask = capacity - 1;
      int hole = i;
      int j = i;
      while (true) {
        j = (j + 1) & mask;
        if (time(j) == 0) {
          break;
        }
        int h = home(key(j), capacity);
        boolean movable = hole <= j ? (h <= hole || h > j) : (h <= hole && h > j);
        if (movable) {
          set(hole, key(j), time(j));
          hole = j;
        }
      }
      set(hole, 0, 0);
      return true;
    }

    private int find(long k) {
      int mask = capacity - 1;
      int slot = home(k, capacity);
      while (true) {
        int t = time(slot);
        if (t == 0) {
          return -1;
        }
        if (key(slot) == k) {
          return slot;
        }
        slot = (slot + 1) & mask;
      }
    }

    /** Doubles the slots; false (nothing changed) if they cannot be had. */
    private boolean grow() {
      ByteBuffer bigger = table.allocate(index, capacity * 2);
      if (bigger == null) {
        return false;
      }
      ByteBuffer old = slots;
      int oldCapacity = capacity;
      capacity = oldCapacity * 2;
      slots = bigger;
      for (int i = 0; i < oldCapacity; i++) {
        int t = old.getInt(i * SLOT + 8);
        if (t != 0) {
          long k = old.getLong(i * SLOT);
          int slot = home(k, capacity);
          while (time(slot) != 0) {
            slot = (slot + 1) & (capacity - 1);
          }
          set(slot, k, t);
        }
      }
      unmap(old);
      return true;
    }

    private static int home(long k, int capacity) {
      long h = k * 0x9E3779B97F4A7C15L;
      return (int) (h >>> 32) & (capacity - 1);
    }
  }
}
