package org.latticefs.cas;

import java.io.IOException;

/**
 * A group of receives made durable together, so that storing the thousands of chunks of a large
 * file costs a few syncs instead of one per chunk.
 *
 * <p>Blobs received through a batch may become visible to readers before {@link #commit()} (a store
 * may also hold them back until then), and are only guaranteed to survive a crash once it returns.
 * A crash at any moment never leaves a partial blob under a real name. A batch may be committed
 * several times; each commit covers what was received since the previous one. If a commit throws,
 * nothing it covered is guaranteed; it may be retried.
 *
 * <p>Closing without committing gives up the blobs received since the last commit: they may or may
 * not stay stored (a store may discard them, e.g. {@code DiskBlobStore} deletes its uncommitted
 * temp files), but never partially. The caller closes every batch it opens. Not thread-safe: one
 * batch is used by one thread at a time.
 */
public interface BlobBatch extends AutoCloseable {
  /**
   * Stores {@code data[off, off+len)} as part of this batch and returns its ref. Content already
   * stored, or already received in this batch, is not written again.
   *
   * @throws IllegalStateException if the batch is closed
   */
  BlobRef receive(byte[] data, int off, int len) throws IOException;

  /** Makes every blob received in this batch since the last commit durable. */
  void commit() throws IOException;

  /** Ends the batch, dropping what was not committed. Idempotent. */
  @Override
  void close() throws IOException;
}
