package org.latticefs.cas.store;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.latticefs.cas.BlobRef;

/**
 * The in-memory table behind {@link AccessTracker}: ref to a positive int time, in 64 stripes of
 * open-addressing tables (50 to 100 bytes per ref, no object per entry), each entry marked dirty
 * when it changes until {@link #drainDirty} hands it to the journal.
 *
 * <p>Thread-safe: each stripe has its own lock, so calls on different stripes run in parallel, and
 * whole-table views ({@link #oldestFirst}, {@link #forEach}) are consistent per stripe, not across
 * stripes.
 */
final class AccessTable {
  private static final int STRIPES = 64;
  private static final int DIRTY = 0x8000_0000;

  /** Receives entries: {@code time} 0 means "forgotten". */
  @FunctionalInterface
  interface EntryVisitor {
    void entry(long[] key, int time);
  }

  private final Stripe[] stripes = new Stripe[STRIPES];

  AccessTable() {
    clear();
  }

  /** Empties the table. */
  void clear() {
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
    }
  }

  /**
   * Records {@code time} (positive) for {@code key} unless a later or equal time is recorded, or
   * any time is with {@code onlyIfAbsent}. With {@code markDirty} a change is marked for the
   * journal. Returns whether anything changed.
   */
  boolean put(long[] key, int time, boolean onlyIfAbsent, boolean markDirty) {
    return stripeOf(key).put(key, time, onlyIfAbsent, markDirty);
  }

  /** The time recorded for {@code key}, 0 if none. */
  int get(long[] key) {
    return stripeOf(key).get(key);
  }

  /**
   * Drops {@code key}; with {@code journal} the removal is remembered for {@link #drainDirty}.
   * Returns whether it was present.
   */
  boolean remove(long[] key, boolean journal) {
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

  /** Visits every entry (times without the dirty mark), stripe by stripe. */
  void forEach(EntryVisitor visitor) {
    long[] k = new long[4];
    for (Stripe s : stripes) {
      synchronized (s) {
        for (int i = 0; i < s.times.length; i++) {
          if (s.times[i] != 0) {
            System.arraycopy(s.keys, i * 4, k, 0, 4);
            visitor.entry(k, s.times[i] & ~DIRTY);
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
    long[] k = new long[4];
    for (Stripe s : stripes) {
      synchronized (s) {
        // Forgets first: a ref forgotten and then touched again is present after replay, and one
        // touched and then forgotten is no longer in the table, so it only appears here.
        for (long[] f : s.forgotten) {
          if (visitor != null) {
            visitor.entry(f, 0);
          }
          count++;
        }
        s.forgotten.clear();
        for (int i = 0; i < s.times.length; i++) {
          if ((s.times[i] & DIRTY) != 0) {
            s.times[i] &= ~DIRTY;
            if (visitor != null) {
              System.arraycopy(s.keys, i * 4, k, 0, 4);
              visitor.entry(k, s.times[i]);
            }
            count++;
          }
        }
      }
    }
    return count;
  }

  /** A key and its time, as {@link #oldestFirst} returns them. */
  record Entry(BlobRef ref, int time) {}

  /**
   * Up to {@code limit} entries, smallest time first, ties in ref order. Costs a sort of every key.
   */
  List<Entry> oldestFirst(int limit) {
    if (limit <= 0) {
      return List.of();
    }
    List<long[]> keyParts = new ArrayList<>();
    List<int[]> timeParts = new ArrayList<>();
    int total = 0;
    for (Stripe s : stripes) {
      synchronized (s) {
        long[] k = new long[s.size * 4];
        int[] t = new int[s.size];
        int n = 0;
        for (int i = 0; i < s.times.length; i++) {
          if (s.times[i] != 0) {
            System.arraycopy(s.keys, i * 4, k, n * 4, 4);
            t[n++] = s.times[i] & ~DIRTY;
          }
        }
        keyParts.add(k);
        timeParts.add(t);
        total += n;
      }
    }
    long[] keys = new long[total * 4];
    long[] order = new long[total];
    int n = 0;
    for (int p = 0; p < keyParts.size(); p++) {
      long[] k = keyParts.get(p);
      int[] t = timeParts.get(p);
      System.arraycopy(k, 0, keys, n * 4, k.length);
      for (int i = 0; i < t.length; i++) {
        order[n] = ((long) t[i] << 32) | n;
        n++;
      }
    }
    Arrays.sort(order);
    // Ties: the packed index follows stripe order, so sort each equal-time run by ref.
    List<Entry> out = new ArrayList<>(Math.min(limit, total));
    int i = 0;
    while (i < total && out.size() < limit) {
      int t = (int) (order[i] >>> 32);
      int j = i;
      List<BlobRef> run = new ArrayList<>();
      while (j < total && (int) (order[j] >>> 32) == t) {
        run.add(refOf(keys, (int) order[j]));
        j++;
      }
      run.sort(null);
      for (BlobRef r : run) {
        if (out.size() == limit) {
          break;
        }
        out.add(new Entry(r, t));
      }
      i = j;
    }
    return out;
  }

  /** The table key of {@code ref}: its four big-endian words. */
  static long[] key(BlobRef ref) {
    ByteBuffer b = ByteBuffer.wrap(ref.bytes());
    return new long[] {b.getLong(), b.getLong(), b.getLong(), b.getLong()};
  }

  private static BlobRef refOf(long[] keys, int index) {
    ByteBuffer b = ByteBuffer.allocate(BlobRef.LENGTH);
    for (int w = 0; w < 4; w++) {
      b.putLong(keys[index * 4 + w]);
    }
    return new BlobRef(b.array());
  }

  private Stripe stripeOf(long[] k) {
    return stripes[(int) (k[0] >>> 58)];
  }

  /**
   * Linear-probing table of (ref, time). times[i] == 0 marks an empty slot; the sign bit marks an
   * entry changed since the last drain.
   */
  private static final class Stripe {
    long[] keys = new long[16 * 4];
    int[] times = new int[16];
    int size;
    final List<long[]> forgotten = new ArrayList<>();

    synchronized int get(long[] k) {
      int i = find(k);
      return i < 0 ? 0 : times[i] & ~DIRTY;
    }

    synchronized boolean put(long[] k, int t, boolean onlyIfAbsent, boolean markDirty) {
      int i = find(k);
      if (i >= 0) {
        int old = times[i] & ~DIRTY;
        if (onlyIfAbsent || t <= old) {
          return false;
        }
        times[i] = markDirty ? (t | DIRTY) : (t | (times[i] & DIRTY));
        return true;
      }
      if ((size + 1) * 4 > times.length * 3) {
        grow();
      }
      int slot = home(k, times.length);
      while (times[slot] != 0) {
        slot = (slot + 1) & (times.length - 1);
      }
      System.arraycopy(k, 0, keys, slot * 4, 4);
      times[slot] = markDirty ? (t | DIRTY) : t;
      size++;
      return true;
    }

    synchronized boolean remove(long[] k, boolean journal) {
      int i = find(k);
      if (i < 0) {
        return false;
      }
      if (journal) {
        forgotten.add(k.clone());
      }
      int mask = times.length - 1;
      times[i] = 0;
      size--;
      int j = i;
      while (true) {
        j = (j + 1) & mask;
        if (times[j] == 0) {
          return true;
        }
        int h = home(keys, j, times.length);
        // Move j back into the hole at i unless its home lies cyclically in (i, j].
        boolean homeInRange = i <= j ? (i < h && h <= j) : (i < h || h <= j);
        if (!homeInRange) {
          System.arraycopy(keys, j * 4, keys, i * 4, 4);
          times[i] = times[j];
          times[j] = 0;
          i = j;
        }
      }
    }

    private int find(long[] k) {
      int mask = times.length - 1;
      int slot = home(k, times.length);
      while (times[slot] != 0) {
        int b = slot * 4;
        if (keys[b] == k[0] && keys[b + 1] == k[1] && keys[b + 2] == k[2] && keys[b + 3] == k[3]) {
          return slot;
        }
        slot = (slot + 1) & mask;
      }
      return -1;
    }

    private void grow() {
      long[] oldKeys = keys;
      int[] oldTimes = times;
      keys = new long[oldKeys.length * 2];
      times = new int[oldTimes.length * 2];
      int mask = times.length - 1;
      long[] k = new long[4];
      for (int i = 0; i < oldTimes.length; i++) {
        if (oldTimes[i] != 0) {
          System.arraycopy(oldKeys, i * 4, k, 0, 4);
          int slot = home(k, times.length);
          while (times[slot] != 0) {
            slot = (slot + 1) & mask;
          }
          System.arraycopy(k, 0, keys, slot * 4, 4);
          times[slot] = oldTimes[i];
        }
      }
    }

    /** The refs are uniform hashes: their second word spreads well (the first picks the stripe). */
    private static int home(long[] k, int capacity) {
      return (int) (k[1] & (capacity - 1));
    }

    private static int home(long[] keys, int slot, int capacity) {
      return (int) (keys[slot * 4 + 1] & (capacity - 1));
    }
  }
}
