package org.latticefs.cas;

import java.io.IOException;

/**
 * A group of receives made durable together, so that storing the thousands of chunks of a large
 * file costs a few syncs instead of one per chunk.
 *
 * <p>Blobs received through a batch may become visible to readers before {@link #commit()}, but are
 * only guaranteed to survive a crash once it returns. A crash at any moment never leaves a partial
 * blob under a real name. Closing without committing abandons the guarantee, not the blobs: they
 * may or may not survive a crash. Not thread-safe: one batch per thread.
 */
public interface BlobBatch extends AutoCloseable {
  /** Stores {@code data[off, off+len)} as part of this batch and returns its ref. */
  BlobRef receive(byte[] data, int off, int len) throws IOException;

  /** Makes every blob received in this batch durable. */
  void commit() throws IOException;

  @Override
  void close() throws IOException;
}
