package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * A staged file's content as positional reads: bytes in a {@code written} range come from {@code
 * staging}, other bytes below {@code baseLimit} from the base version, and the rest up to {@code
 * size} reads as zeros (a hole left by extending).
 *
 * <p>A {@link StagedWriter} reads through a view of its live state; the view it hands to cas for a
 * commit has its own copy of the ranges and a fixed size, and the writer does not change the
 * staging while cas reads it (its owner holds the file's exclusive lock across the store).
 */
record StagedView(Staging staging, RangeSet written, BaseContent base, long baseLimit, long size)
    implements ContentChannel.Source {

  /** Reads at {@code pos} into {@code dst}; returns the count, 0 at or past the end. */
  @Override
  public int read(long pos, ByteBuffer dst) throws IOException {
    if (pos >= size || !dst.hasRemaining()) {
      return 0;
    }
    int want = (int) Math.min(dst.remaining(), size - pos);
    int done = 0;
    while (done < want) {
      long p = pos + done;
      int n = want - done;
      RangeSet.Range w = written.containing(p);
      if (w != null) {
        n = (int) Math.min(n, w.end() - p);
        staging.read(p, dst, n);
      } else {
        n = (int) Math.min(n, Math.min(written.nextStartAfter(p), size) - p);
        if (p < baseLimit) {
          n = (int) Math.min(n, baseLimit - p);
          base.read(p, dst, n);
        } else {
          Zeros.fill(dst, n);
        }
      }
      done += n;
    }
    return done;
  }
}
