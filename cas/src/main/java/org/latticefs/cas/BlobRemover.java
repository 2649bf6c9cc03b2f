package org.latticefs.cas;

import java.io.IOException;

/** Deletes blobs. Only the garbage collector and repair call this. */
public interface BlobRemover {
  /**
   * Removes the blob; returns false if it was not present. Durable when it returns: after a crash
   * the blob stays gone. Safe for concurrent use; a receive of the same content racing with the
   * removal leaves it either stored or not, never partial.
   */
  boolean remove(BlobRef ref) throws IOException;
}
