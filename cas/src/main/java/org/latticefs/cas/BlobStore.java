package org.latticefs.cas;

import java.io.Closeable;

/**
 * A place that holds blobs: every narrow role combined. Safe for concurrent use. The opener closes
 * it; after {@link #close()} every method throws (an {@link java.io.IOException} or, for {@code
 * newBatch}, {@link IllegalStateException}).
 */
public interface BlobStore
    extends BlobFetcher, BlobReceiver, BlobStatter, BlobEnumerator, BlobRemover, Closeable {}
