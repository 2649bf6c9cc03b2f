package org.latticefs.gc;

import org.latticefs.cas.BlobInfo;

/**
 * Follows a collection pass as it runs: for progress bars and for {@code gc --dry-run}'s list.
 * Called on the pass's thread; must be quick and must not throw.
 */
public interface PassListener {
  /** A pass's phases, in order. */
  enum Phase {
    /** Reading the roots and walking their trees. */
    MARK,
    /** Listing the blobs present and removing the garbage. */
    SWEEP
  }

  /** A phase starts; {@code total} is how many steps it is expected to take (blobs), or -1. */
  default void phase(Phase phase, long total) {}

  /** {@code done} steps of the current phase are done (roots marked, blobs examined). */
  default void progress(long done) {}

  /**
   * A garbage blob: no root, pin or hold reaches it. {@code removed}: it is gone (false in a dry
   * run, or when a hold taken meanwhile kept it).
   */
  default void garbage(BlobInfo blob, boolean removed) {}

  /** Follows nothing. */
  PassListener NONE = new PassListener() {};
}
