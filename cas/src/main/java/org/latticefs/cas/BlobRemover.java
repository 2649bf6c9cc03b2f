package org.latticefs.cas;

import java.io.IOException;
import java.util.List;

/** Deletes blobs. Only the garbage collector and repair call this. */
public interface BlobRemover {
  /**
   * Removes the blob; returns false if it was not present. Durable when it returns: after a crash
   * the blob stays gone. Safe for concurrent use; a receive of the same content racing with the
   * removal leaves it either stored or not, never partial.
   */
  boolean remove(BlobRef ref) throws IOException;

  /**
   * Removes each of {@code refs} as {@link #remove} does and returns, in order, whether each was
   * removed. Durable when it returns (a store may make the whole list durable at once, which is
   * cheaper than one blob at a time); if it throws, the blobs removed before the failure stay
   * removed, maybe not durably.
   */
  default boolean[] removeAll(List<BlobRef> refs) throws IOException {
    boolean[] removed = new boolean[refs.size()];
    for (int i = 0; i < removed.length; i++) {
      removed[i] = remove(refs.get(i));
    }
    return removed;
  }
}
