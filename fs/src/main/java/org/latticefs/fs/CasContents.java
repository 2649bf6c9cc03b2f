package org.latticefs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.ChunkCursor;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * File content in cas: ingests (full or around an edit) through cas's {@link FileIngester}, reads
 * through {@link ManifestReader} over the cached fetcher, and fetches chunks ahead of sequential
 * readers on two background threads. Counts what ingests read, so the cost of an edit is visible.
 * Thread-safe.
 */
final class CasContents implements AutoCloseable {
  private final BlobFetcher fetcher;
  private final FileIngester ingester;
  private final ExecutorService readahead;
  private final Set<BlobRef> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong ingestedBytes = new AtomicLong();
  private final AtomicLong ingestedFiles = new AtomicLong();

  CasContents(BlobFetcher cachedFetcher, FileIngester ingester) {
    this.fetcher = cachedFetcher;
    this.ingester = ingester;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            2,
            2,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(64),
            r -> {
              Thread t = new Thread(r, "lattice-fs-readahead");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.DiscardPolicy());
    pool.allowCoreThreadTimeOut(true);
    this.readahead = pool;
  }

  /**
   * Stores {@code content} (read with positional reads from 0 to its size) and returns the result.
   * With a {@code previous} manifest, only the chunks around {@code [changeStart, changeEnd)} are
   * read (see {@link FileIngester#reingest}). Durable on return.
   */
  IngestResult store(
      FileChannel content, BlobRef previous, long changeStart, long changeEnd, long sizeDelta)
      throws IOException {
    IngestResult r =
        previous == null
            ? ingester.ingest(content)
            : ingester.reingest(fetcher, previous, content, changeStart, changeEnd, sizeDelta);
    ingestedBytes.addAndGet(r.bytesRead());
    ingestedFiles.incrementAndGet();
    return r;
  }

  /** Bytes read and chunked by all ingests so far. */
  long ingestedBytes() {
    return ingestedBytes.get();
  }

  long ingests() {
    return ingestedFiles.get();
  }

  Reader open(BlobRef manifest) throws IOException {
    return new Reader(ManifestReader.open(fetcher, manifest));
  }

  @Override
  public void close() {
    readahead.shutdownNow();
  }

  /** One stored version of a file. Thread-safe. */
  final class Reader {
    private final ManifestReader reader;

    Reader(ManifestReader reader) {
      this.reader = reader;
    }

    long size() {
      return reader.size();
    }

    /** Like {@link ManifestReader#read}. */
    int read(long pos, ByteBuffer dst) throws IOException {
      return reader.read(pos, dst);
    }

    List<Chunk> chunks() throws IOException {
      List<Chunk> out = new ArrayList<>();
      ChunkCursor c = reader.chunks();
      for (Chunk k = c.next(); k != null; k = c.next()) {
        out.add(k);
      }
      return out;
    }

    /** Warms the chunk cache with the chunks of {@code [pos, pos+len)}, in the background. */
    void prefetch(long pos, long len) {
      if (pos >= reader.size()) {
        return;
      }
      try {
        readahead.execute(
            () -> {
              try {
                ChunkCursor c = reader.chunks(pos);
                for (Chunk k = c.next(); k != null && k.offset() < pos + len; k = c.next()) {
                  BlobRef ref = k.ref();
                  if (inFlight.add(ref)) {
                    try {
                      fetcher.fetch(ref);
                    } finally {
                      inFlight.remove(ref);
                    }
                  }
                }
              } catch (IOException | RuntimeException e) {
                // Readahead is a hint: the reader's own fetch reports the failure.
              }
            });
      } catch (RejectedExecutionException e) {
        // Shut down or saturated: skip the hint.
      }
    }
  }
}
