package org.latticefs.cas;

import java.io.Closeable;

/** A place that holds blobs: every narrow role combined. */
public interface BlobStore
    extends BlobFetcher, BlobReceiver, BlobStatter, BlobEnumerator, BlobRemover, Closeable {}
