package org.latticefs.cas.store;

/**
 * What a {@link DiskBlobStore}'s receives have done since it was opened: every receive that
 * returned is counted once, either as written (a new blob got its name) or as deduplicated (the
 * blob was there already, or earlier in the same batch, and nothing was written). A batch's new
 * blobs count when its commit publishes them, its deduplicated ones when received; a receive or
 * commit that failed counts nothing of its own. Counters only grow; a snapshot, not a live view.
 * Metrics read it at scrape time (cas knows no metrics API).
 *
 * @param blobsWritten blobs written and named
 * @param bytesWritten their bytes
 * @param dedupHits receives of a blob already present (not written again)
 * @param dedupBytes their bytes
 */
public record BlobStoreStats(
    long blobsWritten, long bytesWritten, long dedupHits, long dedupBytes) {
  /** Blobs received in all: written plus deduplicated. */
  public long blobsReceived() {
    return blobsWritten + dedupHits;
  }

  /** Bytes received in all: written plus deduplicated. */
  public long bytesReceived() {
    return bytesWritten + dedupBytes;
  }
}
