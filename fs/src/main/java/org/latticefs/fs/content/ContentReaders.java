package org.latticefs.fs.content;

import java.io.IOException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * Opens {@link ContentReader}s of stored versions and owns the threads that fetch chunks ahead of
 * their sequential streams (shared by all files). Manifests and random reads go through the cached
 * fetcher, whole chunks of streams through the uncached one. Thread-safe.
 */
public final class ContentReaders implements AutoCloseable {
  /** Threads fetching chunks ahead of sequential readers, shared by all files. */
  static final int READAHEAD_THREADS = 8;

  /** The name of the readahead threads. */
  static final String READAHEAD_THREAD = "lattice-fs-readahead";

  /** How far from a recent read's end a read still continues that stream. */
  static final long STREAM_SLACK = 2L << 20;

  /** The readahead of a stream that has just become sequential. */
  static final long FIRST_READAHEAD = 1L << 20;

  private final BlobFetcher fetcher;
  private final BlobFetcher streamFetcher;
  private final ThreadPoolExecutor readahead;

  /**
   * @param cachedFetcher for manifests and random reads
   * @param streamFetcher for the whole chunks of sequential reads (the same blobs, uncached)
   */
  public ContentReaders(BlobFetcher cachedFetcher, BlobFetcher streamFetcher) {
    this.fetcher = cachedFetcher;
    this.streamFetcher = streamFetcher;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            READAHEAD_THREADS,
            READAHEAD_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(4096),
            r -> {
              Thread t = new Thread(r, READAHEAD_THREAD);
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
    pool.allowCoreThreadTimeOut(true);
    this.readahead = pool;
  }

  /** A reader without readahead (for listing chunks). */
  public ContentReader open(BlobRef manifest) throws IOException {
    return open(manifest, 0);
  }

  /**
   * A reader of the version named by {@code manifest}, fetching up to {@code readaheadBytes} ahead
   * of sequential reads (0: none).
   */
  public ContentReader open(BlobRef manifest, long readaheadBytes) throws IOException {
    return open(manifest, readaheadBytes, STREAM_SLACK);
  }

  /** {@link #open(BlobRef, long)} with another stream slack (0: only exact continuations). */
  ContentReader open(BlobRef manifest, long readaheadBytes, long streamSlack) throws IOException {
    return new ContentReader(
        ManifestReader.open(fetcher, manifest, 0),
        fetcher,
        streamFetcher,
        readahead,
        readaheadBytes,
        streamSlack);
  }

  /**
   * Stops the readahead threads. Fetches ahead that had not started are cancelled, so a read
   * waiting for one fetches the chunk itself instead of waiting forever.
   */
  @Override
  public void close() {
    for (Runnable r : readahead.shutdownNow()) {
      if (r instanceof ContentReader.FetchAhead f) {
        f.ahead().data().cancel(false);
      }
    }
  }
}
