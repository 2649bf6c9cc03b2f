package org.latticefs.cas;

import java.io.IOException;

/** Deletes blobs. Only the garbage collector and repair call this. */
public interface BlobRemover {
  /** Removes the blob; returns false if it was not present. Durable when it returns. */
  boolean remove(BlobRef ref) throws IOException;
}
