package org.latticefs.cas;

import java.io.IOException;

/**
 * Reads a blob by its ref. The one interface fs and gc use to read content: it may be backed by the
 * local disk, a cache, or peers.
 *
 * <p>Implementations are safe for concurrent use. The returned array belongs to the caller (no
 * implementation keeps or shares it). A fetch may count as an access for eviction purposes.
 */
public interface BlobFetcher {
  /**
   * Returns the whole content of the blob, verified against {@code ref}.
   *
   * @throws BlobNotFoundException if no such blob is reachable through this fetcher
   * @throws CorruptBlobException if the bytes found do not hash to {@code ref} (they are never
   *     returned)
   * @throws IOException on any other failure to read
   */
  byte[] fetch(BlobRef ref) throws IOException;
}
