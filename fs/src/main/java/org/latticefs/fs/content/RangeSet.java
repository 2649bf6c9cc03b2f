package org.latticefs.fs.content;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of byte offsets (the parts of a file written since its base version) kept as disjoint,
 * non-adjacent half-open ranges {@code [start, end)}. Not thread-safe: the owner guards it.
 */
final class RangeSet {
  /** A half-open range {@code [start, end)}. */
  record Range(long start, long end) {
    long length() {
      return end - start;
    }
  }

  private final TreeMap<Long, Long> ranges = new TreeMap<>();
  private long total;

  /** An independent copy. */
  RangeSet copy() {
    RangeSet c = new RangeSet();
    c.ranges.putAll(ranges);
    c.total = total;
    return c;
  }

  void add(long start, long end) {
    if (end <= start) {
      return;
    }
    Map.Entry<Long, Long> before = ranges.floorEntry(start);
    if (before != null && before.getValue() >= start) {
      start = before.getKey();
      end = Math.max(end, before.getValue());
    }
    Map.Entry<Long, Long> next = ranges.ceilingEntry(start);
    while (next != null && next.getKey() <= end) {
      end = Math.max(end, next.getValue());
      total -= next.getValue() - next.getKey();
      ranges.remove(next.getKey());
      next = ranges.ceilingEntry(start);
    }
    ranges.put(start, end);
    total += end - start;
  }

  /** Removes everything at or beyond {@code limit}. */
  void clip(long limit) {
    Map.Entry<Long, Long> e = ranges.lowerEntry(limit);
    if (e != null && e.getValue() > limit) {
      total -= e.getValue() - limit;
      ranges.put(e.getKey(), limit);
    }
    Map<Long, Long> cut = ranges.tailMap(limit, true);
    for (Map.Entry<Long, Long> c : cut.entrySet()) {
      total -= c.getValue() - c.getKey();
    }
    cut.clear();
  }

  void clear() {
    ranges.clear();
    total = 0;
  }

  boolean isEmpty() {
    return ranges.isEmpty();
  }

  /** The range containing {@code pos}, or null. */
  Range containing(long pos) {
    Map.Entry<Long, Long> e = ranges.floorEntry(pos);
    return e != null && e.getValue() > pos ? new Range(e.getKey(), e.getValue()) : null;
  }

  /** The start of the first range beginning after {@code pos}, or {@link Long#MAX_VALUE}. */
  long nextStartAfter(long pos) {
    Long k = ranges.higherKey(pos);
    return k == null ? Long.MAX_VALUE : k;
  }

  List<Range> ranges() {
    List<Range> out = new ArrayList<>(ranges.size());
    ranges.forEach((s, e) -> out.add(new Range(s, e)));
    return out;
  }

  /** The bytes in all ranges together. */
  long totalLength() {
    return total;
  }
}
