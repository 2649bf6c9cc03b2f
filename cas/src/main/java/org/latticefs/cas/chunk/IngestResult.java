package org.latticefs.cas.chunk;

import org.latticefs.cas.BlobRef;

/**
 * What an ingest produced.
 *
 * @param manifest ref of the root manifest node: the file's content id
 * @param size file length in bytes
 * @param chunkCount number of chunks the file is cut into
 * @param bytesRead bytes of content this call read and chunked ({@code size} for a full ingest,
 *     usually far less for {@link FileIngester#reingest})
 * @param chunksReceived chunks this call handed to the store (new or already present); the rest
 *     were reused from the old manifest unread
 */
public record IngestResult(
    BlobRef manifest, long size, long chunkCount, long bytesRead, long chunksReceived) {}
