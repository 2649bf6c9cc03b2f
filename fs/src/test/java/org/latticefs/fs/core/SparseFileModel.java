package org.latticefs.fs.core;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a sparse file should hold, for property tests: its size and the bytes written (as disjoint
 * segments by offset); everything else reads as zeros. Also tracks which bytes a committed version
 * stores (the written ones; all of a file small enough to be kept inline).
 */
final class SparseFileModel {
  private final TreeMap<Long, byte[]> segments = new TreeMap<>();
  private long size;

  long size() {
    return size;
  }

  void write(long pos, byte[] data) {
    if (data.length == 0) {
      return;
    }
    cut(pos, pos + data.length);
    segments.put(pos, data.clone());
    size = Math.max(size, pos + data.length);
  }

  void truncate(long newSize) {
    if (newSize < size) {
      cut(newSize, Long.MAX_VALUE);
    }
    size = newSize;
  }

  /**
   * After a commit: a version of at most {@code inlineLimit} bytes is kept whole, so its zeros are
   * stored data from then on.
   */
  void committed(int inlineLimit) {
    if (size > 0 && size <= inlineLimit) {
      byte[] all = read(0, (int) size);
      segments.clear();
      segments.put(0L, all);
    }
  }

  /** Bytes that are data, not holes. */
  long dataBytes() {
    long n = 0;
    for (byte[] b : segments.values()) {
      n += b.length;
    }
    return n;
  }

  /** {@code [pos, pos + n)} clipped to the size. */
  byte[] read(long pos, int n) {
    int len = (int) Math.max(0, Math.min(n, size - pos));
    byte[] out = new byte[len];
    Map.Entry<Long, byte[]> first = segments.floorEntry(pos);
    long from = first != null ? first.getKey() : pos;
    for (Map.Entry<Long, byte[]> e : segments.tailMap(from, true).entrySet()) {
      long s = e.getKey();
      if (s >= pos + len) {
        break;
      }
      byte[] b = e.getValue();
      long lo = Math.max(s, pos);
      long hi = Math.min(s + b.length, pos + len);
      if (hi > lo) {
        System.arraycopy(b, (int) (lo - s), out, (int) (lo - pos), (int) (hi - lo));
      }
    }
    return out;
  }

  /** Removes {@code [from, to)} from the segments, keeping the parts outside it. */
  private void cut(long from, long to) {
    Map.Entry<Long, byte[]> before = segments.lowerEntry(from);
    if (before != null) {
      long s = before.getKey();
      byte[] b = before.getValue();
      if (s + b.length > from) {
        segments.put(s, Arrays.copyOf(b, (int) (from - s)));
        if (s + b.length > to) {
          segments.put(to, Arrays.copyOfRange(b, (int) (to - s), b.length));
        }
      }
    }
    for (Long s : new ArrayList<>(segments.subMap(from, true, to, false).keySet())) {
      byte[] b = segments.remove(s);
      if (s + b.length > to) {
        segments.put(to, Arrays.copyOfRange(b, (int) (to - s), b.length));
      }
    }
  }
}
