package org.latticefs.cas.chunk;

import org.latticefs.cas.BlobRef;

/**
 * How a long entry list is grouped into a manifest tree. Node boundaries are content-defined: a
 * node ends after an entry whose ref has its low {@code log2(avgFanout)} bits zero (once the node
 * has {@code minFanout} entries), or when it reaches {@code maxFanout}. A hole has no ref: a leaf
 * ends after one only at {@code maxFanout}. So an edit rewrites only the nodes on the path to the
 * changed chunks, not every node after them, and the same entry list always gives the same tree
 * (and the same root ref).
 *
 * <p>Part of the format: files ingested with different shapes get different manifest refs.
 *
 * @param minFanout fewest entries before a content-defined cut, at least 1
 * @param avgFanout a power of two: the chance that an entry ends a node is {@code 1/avgFanout}
 * @param maxFanout most entries per node, at most {@link Manifest#MAX_ENTRIES}
 */
public record ManifestShape(int minFanout, int avgFanout, int maxFanout) {
  /**
   * The shape every Lattice file uses: nodes of about 1,150 entries (≈40 KiB encoded, covering ≈340
   * MiB of file at the default chunk size), never more than 4,096 (≈150 KiB).
   */
  public static final ManifestShape DEFAULT = new ManifestShape(128, 1024, 4096);

  public ManifestShape {
    if (minFanout < 1 || maxFanout > Manifest.MAX_ENTRIES || minFanout > maxFanout) {
      throw new IllegalArgumentException(
          "need 1 <= minFanout <= maxFanout <= " + Manifest.MAX_ENTRIES);
    }
    if (maxFanout < 2) {
      throw new IllegalArgumentException("maxFanout must be >= 2 so trees converge");
    }
    if (avgFanout < 1 || Integer.bitCount(avgFanout) != 1) {
      throw new IllegalArgumentException("avgFanout must be a power of two, got " + avgFanout);
    }
  }

  /**
   * Whether a node holding {@code count} entries ends, the last with ref bytes at {@code
   * lastRefOffset} of {@code refs} (or a hole, which has none).
   */
  boolean endsAfter(int count, byte[] refs, int lastRefOffset, boolean hole) {
    if (count >= maxFanout) {
      return true;
    }
    if (count < minFanout || hole) {
      return false;
    }
    int p = lastRefOffset + BlobRef.LENGTH - 4;
    int tail =
        (refs[p] & 0xff) << 24
            | (refs[p + 1] & 0xff) << 16
            | (refs[p + 2] & 0xff) << 8
            | (refs[p + 3] & 0xff);
    return (tail & (avgFanout - 1)) == 0;
  }
}
