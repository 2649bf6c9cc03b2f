package org.latticefs.fs.content;

import java.io.IOException;
import org.latticefs.cas.chunk.ChunkCursor;
import org.latticefs.cas.chunk.Extent;
import org.latticefs.cas.chunk.Hole;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * A staged version's content as alternating runs of data and holes, in file order from a given
 * offset, without reading a byte of it: what a commit hands cas as data (chunked and stored) and
 * what as holes (listed, never stored).
 *
 * <p>A byte is data if it was written since the base ({@code written}), or lies below {@code
 * baseLimit} where the base version has data (a chunk, or inline bytes); it is a hole if it lies
 * below {@code baseLimit} in one of the base's holes, or at or past {@code baseLimit} unwritten
 * (what extending a file, or writing past its end, leaves). Adjacent runs of one kind are one run.
 *
 * <p>Walks the base manifest's extents lazily, once (fetching manifest nodes, never chunks): the
 * cost is the number of extents and written ranges passed, never the size of a hole. Not
 * thread-safe; one per walk.
 */
final class Runs {
  /** {@code [start, end)} is data, or a hole. */
  record Run(long start, long end, boolean hole) {
    long length() {
      return end - start;
    }
  }

  private final RangeSet written;
  private final ManifestReader base;
  private final long baseLimit;
  private final long size;
  private ChunkCursor cursor;
  private Extent extent;
  private long pos;
  private Run peeked;

  /**
   * @param written the ranges written since the base (not changed during the walk)
   * @param base the base version's manifest, or null when the base has none (inline or empty)
   * @param baseLimit the end of what is kept of the base
   * @param size the size of the content
   * @param from where the walk starts
   */
  Runs(RangeSet written, ManifestReader base, long baseLimit, long size, long from) {
    this.written = written;
    this.base = base;
    this.baseLimit = baseLimit;
    this.size = size;
    this.pos = from;
  }

  /** The next run, merged with the runs of the same kind after it; null at the end. */
  Run next() throws IOException {
    Run r = piece();
    if (r == null) {
      return null;
    }
    for (Run n = piece(); n != null; n = piece()) {
      if (n.hole() != r.hole()) {
        peeked = n;
        break;
      }
      r = new Run(r.start(), n.end(), r.hole());
    }
    return r;
  }

  /** Whether any byte of {@code [from, to)} (from the walk's position on) is in a hole. */
  boolean holeBefore(long to) throws IOException {
    for (Run r = next(); r != null && r.start() < to; r = next()) {
      if (r.hole()) {
        return true;
      }
    }
    return false;
  }

  /** The next run of one source (a written range, one base extent, or the unwritten tail). */
  private Run piece() throws IOException {
    if (peeked != null) {
      Run r = peeked;
      peeked = null;
      return r;
    }
    long p = pos;
    if (p >= size) {
      return null;
    }
    RangeSet.Range w = written.containing(p);
    Run r;
    if (w != null) {
      r = new Run(p, Math.min(w.end(), size), false);
    } else {
      long end = Math.min(written.nextStartAfter(p), size);
      if (p >= baseLimit) {
        r = new Run(p, end, true);
      } else if (base == null) {
        r = new Run(p, Math.min(end, baseLimit), false);
      } else {
        Extent e = baseExtentAt(p);
        r = new Run(p, Math.min(Math.min(end, baseLimit), e.end()), e instanceof Hole);
      }
    }
    pos = r.end();
    return r;
  }

  /** The base extent holding byte {@code p} (p below the base's size). */
  private Extent baseExtentAt(long p) throws IOException {
    if (cursor == null || extent == null || p < extent.offset()) {
      cursor = base.chunks(p);
      extent = cursor.nextExtent();
    }
    while (extent != null && extent.end() <= p) {
      extent = cursor.nextExtent();
    }
    if (extent == null || extent.offset() > p) {
      throw new MalformedManifestException(
          "manifest " + base.ref() + " has no extent at offset " + p);
    }
    return extent;
  }
}
