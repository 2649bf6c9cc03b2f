package org.latticefs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.ChunkCursor;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.IngestSession;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * File content in cas: ingests (full or around an edit) through cas's {@link FileIngester}, reads
 * through {@link ManifestReader} over the cached fetcher, and fetches chunks ahead of sequential
 * readers on two background threads. Counts what ingests read, so the cost of an edit is visible.
 * Runs at most {@link #MAX_SESSIONS} background ingests of files still being written ({@link
 * #startSession}) at once. Thread-safe.
 */
final class CasContents implements AutoCloseable {
  private final BlobFetcher fetcher;
  private final FileIngester ingester;
  private final ExecutorService readahead;
  private final Set<BlobRef> inFlight = ConcurrentHashMap.newKeySet();
  private final AtomicLong ingestedBytes = new AtomicLong();
  private final AtomicLong ingestedFiles = new AtomicLong();
  private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
  private final AtomicLong sessionsFinished = new AtomicLong();

  /** Background ingests of files being written that may run at once (each uses a few threads). */
  static final int MAX_SESSIONS = 2;

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

  /**
   * Starts ingesting a file that is being appended to, in the background: its content is {@code
   * previous[0, keep)} followed by what a sequential writer puts into the staging file at {@code
   * staging} from {@code keep} on (see {@link FileIngester#startSession}). The session reads the
   * staging file through a channel of its own, closed when the session ends. Returns null when
   * {@link #MAX_SESSIONS} sessions already run.
   */
  IngestSession startSession(BlobRef previous, long keep, Path staging) throws IOException {
    if (!sessions.tryAcquire()) {
      return null;
    }
    FileChannel ch;
    IngestSession s;
    try {
      ch = FileChannel.open(staging, StandardOpenOption.READ);
    } catch (IOException | RuntimeException e) {
      sessions.release();
      throw e;
    }
    try {
      s = ingester.startSession(fetcher, previous, keep, ch);
    } catch (RuntimeException e) {
      closeQuietly(ch);
      sessions.release();
      throw e;
    }
    s.ended()
        .whenComplete(
            (r, e) -> {
              closeQuietly(ch);
              sessions.release();
            });
    return s;
  }

  /** Finishes a session from {@link #startSession} at {@code size} bytes; durable on return. */
  IngestResult finish(IngestSession session, long size) throws IOException {
    IngestResult r = session.finish(size);
    ingestedBytes.addAndGet(r.bytesRead());
    ingestedFiles.incrementAndGet();
    sessionsFinished.incrementAndGet();
    return r;
  }

  /** Commits whose content came from a background session. */
  long sessionsFinished() {
    return sessionsFinished.get();
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException e) {
      // A read-only channel: nothing is lost.
    }
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
