package org.latticefs.cas.store;

/**
 * A multiset of longs: an open-addressing table of (key, count) in two primitive arrays, about 12
 * to 24 bytes per distinct key, no object per entry. Grows as needed and shrinks when mostly empty.
 * Not thread-safe: {@link HoldTable} guards each one with a lock.
 */
final class LongCounts {
  private static final int MIN_CAPACITY = 16;

  private long[] keys = new long[MIN_CAPACITY];
  private int[] counts = new int[MIN_CAPACITY];
  private int size;

  /** Number of distinct keys with a count above zero. */
  int size() {
    return size;
  }

  /** The count of {@code key} (0 if absent). */
  int get(long key) {
    int i = find(key);
    return i < 0 ? 0 : counts[i];
  }

  /** Adds one to the count of {@code key}. */
  void increment(long key) {
    int i = find(key);
    if (i >= 0) {
      if (counts[i] == Integer.MAX_VALUE) {
        throw new IllegalStateException("too many holds of one ref");
      }
      counts[i]++;
      return;
    }
    if ((size + 1) * 4 > keys.length * 3) {
      resize(keys.length * 2);
    }
    int slot = slot(key, keys.length);
    while (counts[slot] != 0) {
      slot = (slot + 1) & (keys.length - 1);
    }
    keys[slot] = key;
    counts[slot] = 1;
    size++;
  }

  /**
   * Takes one from the count of {@code key}; removes it at zero.
   *
   * @throws IllegalStateException if {@code key} is absent
   */
  void decrement(long key) {
    int i = find(key);
    if (i < 0) {
      throw new IllegalStateException("releasing a ref that is not held");
    }
    if (--counts[i] > 0) {
      return;
    }
    size--;
    // Backward-shift deletion keeps every probe sequence unbroken without tombstones.
    int mask = keys.length - 1;
    int hole = i;
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      if (counts[j] == 0) {
        break;
      }
      int home = slot(keys[j], keys.length);
      boolean movable = hole <= j ? (home <= hole || home > j) : (home <= hole && home > j);
      if (movable) {
        keys[hole] = keys[j];
        counts[hole] = counts[j];
        hole = j;
      }
    }
    counts[hole] = 0;
    keys[hole] = 0;
    if (keys.length > MIN_CAPACITY && size * 8 < keys.length) {
      resize(keys.length / 2);
    }
  }

  private int find(long key) {
    int mask = keys.length - 1;
    int slot = slot(key, keys.length);
    while (counts[slot] != 0) {
      if (keys[slot] == key) {
        return slot;
      }
      slot = (slot + 1) & mask;
    }
    return -1;
  }

  private void resize(int capacity) {
    long[] oldKeys = keys;
    int[] oldCounts = counts;
    keys = new long[capacity];
    counts = new int[capacity];
    for (int i = 0; i < oldKeys.length; i++) {
      if (oldCounts[i] != 0) {
        int slot = slot(oldKeys[i], capacity);
        while (counts[slot] != 0) {
          slot = (slot + 1) & (capacity - 1);
        }
        keys[slot] = oldKeys[i];
        counts[slot] = oldCounts[i];
      }
    }
  }

  private static int slot(long key, int capacity) {
    long h = key * 0x9E3779B97F4A7C15L;
    return (int) (h >>> 32) & (capacity - 1);
  }
}
