package org.latticefs.cas.chunk;

import org.latticefs.cas.BlobRef;

/**
 * What an ingest produced.
 *
 * @param manifest ref of the root manifest node: the file's content id
 * @param size file length in bytes
 * @param chunkCount number of chunks the file is cut into
 * @param bytesRead bytes of content this call read and chunked ({@code size} less its holes for a
 *     full ingest, usually far less for {@link FileIngester#reingest})
 * @param chunksReceived chunks this call handed to the store (new or already present); the rest
 *     were reused from the old manifest unread
 * @param holeBytes how many of the file's {@code size} bytes are holes (zeros listed in the
 *     manifest, never stored)
 */
public record IngestResult(
    BlobRef manifest,
    long size,
    long chunkCount,
    long bytesRead,
    long chunksReceived,
    long holeBytes) {
  /** The file's bytes that are stored in chunks: {@code size - holeBytes} (for st_blocks). */
  public long storedBytes() {
    return size - holeBytes;
  }
}
