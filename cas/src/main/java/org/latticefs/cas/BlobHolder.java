package org.latticefs.cas;

/**
 * Opens {@link Hold}s: what keeps blobs that nothing references yet from being removed. Implemented
 * by the stores that can remove blobs ({@code DiskBlobStore}, {@code MemoryBlobStore}); the
 * filesystem takes one per open file, the garbage collector respects them. Safe for concurrent use.
 */
public interface BlobHolder {
  /**
   * A new, empty hold; the caller closes it once the blobs it holds are referenced (or dropped).
   */
  Hold newHold();
}
