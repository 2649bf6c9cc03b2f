package org.latticefs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
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
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * File content in cas: ingests (full or around an edit) through cas's {@link FileIngester} and
 * reads stored versions through {@link BlobFetcher}s: manifests, random reads and ingests through
 * the chunk cache, sequential streams past it. Counts what ingests read, so the cost of an edit is
 * visible. Runs at most {@link #MAX_SESSIONS} background ingests of files still being written
 * ({@link #startSession}) at once. Thread-safe.
 *
 * <h2>Reads</h2>
 *
 * A {@link Reader} tells sequential reads from random ones by a few recent streams: a read that
 * starts within {@link #STREAM_SLACK} of where a recent read of the same version ended continues
 * that stream (the slack absorbs the kernel sending a stream's requests out of order on several
 * FUSE threads). A stream is sequential from its third read on, or from its first if it starts at
 * offset 0, so random reads that land near each other by chance stay random. Its readahead starts
 * at {@link #FIRST_READAHEAD} and doubles with each read up to the reader's limit, so a short run
 * does not fetch tens of MiB nobody reads.
 *
 * <ul>
 *   <li><b>Sequential</b>: whole chunks through the uncached fetcher's {@link BlobFetcher#fetch},
 *       and the chunks of the next {@code readahead} bytes are fetched ahead, one task per chunk on
 *       {@link #READAHEAD_THREADS} threads (several disk reads outstanding). A read that needs a
 *       chunk being fetched ahead waits for that fetch and uses its bytes; it never issues a second
 *       read. Streams bypass the chunk cache: a file read once from start to end would only flush
 *       it, and a large on-heap cache turning over at disk speed makes every young collection copy
 *       the chunks it keeps (measured: 56 pauses, most of 70-230 ms, in one cold 1 GiB read).
 *       Re-reads of a stream are served by the kernel's page cache.
 *   <li><b>Random</b>: only the bytes asked for, through the cached fetcher's {@link
 *       BlobFetcher#fetchRange} per chunk touched (a 4 KiB read of a 256 KiB chunk reads and
 *       verifies about 4 KiB where the fetcher can), or from a chunk already fetched ahead.
 * </ul>
 *
 * Readahead is a hint: a fetch ahead that fails is dropped and the reader's own fetch reports the
 * failure (e.g. a corrupt chunk is EIO for that read, never data).
 */
final class CasContents implements AutoCloseable {
  /** Threads fetching chunks ahead of sequential readers, shared by all files. */
  static final int READAHEAD_THREADS = 8;

  /** How far from a recent read's end a read still continues that stream. */
  static final long STREAM_SLACK = 2L << 20;

  /** The readahead of a stream that has just become sequential. */
  static final long FIRST_READAHEAD = 1L << 20;

  /** Streams remembered per file version. */
  private static final int STREAMS = 4;

  private final BlobFetcher fetcher;
  private final BlobFetcher streamFetcher;
  private final FileIngester ingester;
  private final ThreadPoolExecutor readahead;
  private final AtomicLong ingestedBytes = new AtomicLong();
  private final AtomicLong ingestedFiles = new AtomicLong();
  private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
  private final AtomicLong sessionsFinished = new AtomicLong();

  /** Background ingests of files being written that may run at once (each uses a few threads). */
  static final int MAX_SESSIONS = 2;

  /**
   * @param cachedFetcher for manifests, random reads and ingests
   * @param streamFetcher for the whole chunks of sequential reads (the same blobs, uncached)
   */
  CasContents(BlobFetcher cachedFetcher, BlobFetcher streamFetcher, FileIngester ingester) {
    this.fetcher = cachedFetcher;
    this.streamFetcher = streamFetcher;
    this.ingester = ingester;
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            READAHEAD_THREADS,
            READAHEAD_THREADS,
            30,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(4096),
            r -> {
              Thread t = new Thread(r, "lattice-fs-readahead");
              t.setDaemon(true);
              return t;
            },
            new ThreadPoolExecutor.AbortPolicy());
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

  /** A reader without readahead (for listing chunks). */
  Reader open(BlobRef manifest) throws IOException {
    return open(manifest, 0);
  }

  /**
   * A reader of the version named by {@code manifest}, fetching up to {@code readaheadBytes} ahead
   * of sequential reads (0: none).
   */
  Reader open(BlobRef manifest, long readaheadBytes) throws IOException {
    return open(manifest, readaheadBytes, STREAM_SLACK);
  }

  /** {@link #open(BlobRef, long)} with another stream slack (0: only exact continuations). */
  Reader open(BlobRef manifest, long readaheadBytes, long streamSlack) throws IOException {
    return new Reader(ManifestReader.open(fetcher, manifest, 0), readaheadBytes, streamSlack);
  }

  /**
   * Stops the readahead threads. Fetches ahead that had not started are cancelled, so a read
   * waiting for one fetches the chunk itself instead of waiting forever.
   */
  @Override
  public void close() {
    for (Runnable r : readahead.shutdownNow()) {
      if (r instanceof FetchAhead f) {
        f.ahead().data().cancel(false);
      }
    }
  }

  /** A chunk fetched ahead for a sequential stream, by the stream fetcher. */
  private record Ahead(Chunk chunk, CompletableFuture<byte[]> data) {}

  /** The readahead task for one chunk. */
  private record FetchAhead(Ahead ahead, BlobFetcher fetcher) implements Runnable {
    @Override
    public void run() {
      try {
        ahead.data().complete(fetcher.fetch(ahead.chunk().ref()));
      } catch (Throwable e) {
        ahead.data().completeExceptionally(e);
      }
    }
  }

  /**
   * One stored version of a file, with its streams and the chunks fetched ahead for them (at most
   * about {@code readahead} bytes, dropped once read past). Thread-safe; many FUSE threads read
   * through one reader at once. Holds only memory: dropping it is enough.
   */
  final class Reader {
    private final ManifestReader manifest;
    private final long readaheadBytes;
    private final long streamSlack;

    /** Whole chunks fetched (or being fetched) for sequential reads, by offset in the file. */
    private final ConcurrentSkipListMap<Long, Ahead> window = new ConcurrentSkipListMap<>();

    // Guarded by this.
    private final long[] streamEnds = new long[STREAMS];
    private final int[] streamReads = new int[STREAMS];
    private int nextStream;
    private long prefetchedTo;

    Reader(ManifestReader manifest, long readaheadBytes, long streamSlack) {
      this.manifest = manifest;
      this.readaheadBytes = readaheadBytes;
      this.streamSlack = streamSlack;
      Arrays.fill(streamEnds, -1);
    }

    long size() {
      return manifest.size();
    }

    /**
     * Copies bytes from {@code pos} into {@code dst} until it is full or the file ends.
     *
     * @return the count; -1 if {@code pos >= size()} and {@code dst} has room
     * @throws org.latticefs.cas.CorruptBlobException if a chunk the range needs is corrupt
     * @throws org.latticefs.cas.chunk.MalformedManifestException if the manifest is inconsistent
     */
    int read(long pos, ByteBuffer dst) throws IOException {
      if (pos < 0) {
        throw new IllegalArgumentException("negative position " + pos);
      }
      if (!dst.hasRemaining()) {
        return 0;
      }
      if (pos >= size()) {
        return -1;
      }
      long end = Math.min(size(), pos + dst.remaining());
      int run = noteRead(pos, end);
      boolean sequential = run >= 3;
      ChunkCursor cursor = manifest.chunks(pos);
      long p = pos;
      while (p < end) {
        Chunk c = cursor.next();
        if (c == null || c.offset() > p || c.end() <= p) {
          throw new MalformedManifestException(
              "manifest " + manifest.ref() + " has no chunk at offset " + p);
        }
        int n = (int) (Math.min(end, c.end()) - p);
        int off = (int) (p - c.offset());
        byte[] whole = sequential ? whole(c) : fetchedAhead(c);
        if (whole != null) {
          dst.put(whole, off, n);
          if (p + n == c.end()) {
            window.remove(c.offset());
          }
        } else {
          dst.put(range(c, off, n));
        }
        p += n;
      }
      if (sequential && readaheadBytes > 0) {
        prefetch(end, Math.min(readaheadBytes, FIRST_READAHEAD << Math.min(run - 3, 20)));
      }
      return (int) (end - pos);
    }

    List<Chunk> chunks() throws IOException {
      List<Chunk> out = new ArrayList<>();
      ChunkCursor c = manifest.chunks();
      for (Chunk k = c.next(); k != null; k = c.next()) {
        out.add(k);
      }
      return out;
    }

    /**
     * Notes the read {@code [pos, end)} and returns the length of its stream in reads, counting a
     * stream that starts at offset 0 as already three long.
     */
    private synchronized int noteRead(long pos, long end) {
      for (int i = 0; i < streamEnds.length; i++) {
        long e = streamEnds[i];
        if (e >= 0 && pos >= e - streamSlack && pos <= e + streamSlack) {
          streamEnds[i] = Math.max(e, end);
          streamReads[i] = streamReads[i] == Integer.MAX_VALUE ? 3 : streamReads[i] + 1;
          return streamReads[i];
        }
      }
      int i = nextStream;
      nextStream = (nextStream + 1) % streamEnds.length;
      streamEnds[i] = end;
      streamReads[i] = pos == 0 ? 3 : 1;
      return streamReads[i];
    }

    /**
     * All of chunk {@code c}: fetched ahead (waiting for that fetch if it is still running), or
     * fetched now and offered to this version's other readers until read past.
     */
    private byte[] whole(Chunk c) throws IOException {
      Ahead a = window.get(c.offset());
      if (a == null) {
        Ahead mine = new Ahead(c, new CompletableFuture<>());
        a = window.putIfAbsent(c.offset(), mine);
        if (a == null) {
          try {
            byte[] data = checked(c, streamFetcher.fetch(c.ref()));
            mine.data().complete(data);
            return data;
          } catch (IOException | RuntimeException | Error e) {
            window.remove(c.offset(), mine);
            mine.data().completeExceptionally(e);
            throw e;
          }
        }
      }
      try {
        return checked(c, a.data().join());
      } catch (CompletionException | CancellationException e) {
        // That fetch failed: drop it; this fetch reports the failure if it persists.
        window.remove(c.offset(), a);
        return checked(c, streamFetcher.fetch(c.ref()));
      }
    }

    /** Chunk {@code c} if it was already fetched ahead, else null. */
    private byte[] fetchedAhead(Chunk c) throws IOException {
      Ahead a = window.get(c.offset());
      if (a == null || !a.data().isDone()) {
        return null;
      }
      byte[] data = a.data().getNow(null);
      return a.data().isCompletedExceptionally() ? null : checked(c, data);
    }

    private byte[] range(Chunk c, int off, int n) throws IOException {
      byte[] part;
      try {
        part = fetcher.fetchRange(c.ref(), off, n);
      } catch (IllegalArgumentException e) {
        throw new MalformedManifestException(
            "chunk " + c.ref() + " is shorter than its " + c.length() + " bytes in the manifest");
      }
      if (part.length != n) {
        throw new IOException(
            "fetchRange of chunk " + c.ref() + " returned " + part.length + " bytes, not " + n);
      }
      return part;
    }

    private byte[] checked(Chunk c, byte[] data) throws MalformedManifestException {
      if (data.length != c.length()) {
        throw new MalformedManifestException(
            "chunk "
                + c.ref()
                + " is "
                + data.length
                + " bytes but the manifest says "
                + c.length());
      }
      return data;
    }

    /**
     * Starts fetching the chunks of {@code [end, end + ahead)} not fetched yet, once at least a
     * quarter of that is new, and drops chunks long read past.
     */
    private void prefetch(long end, long ahead) {
      long from;
      long to = Math.min(size(), end + ahead);
      synchronized (this) {
        from = prefetchedTo >= end && prefetchedTo <= to ? prefetchedTo : end;
        if (from >= to || (to - from < ahead / 4 && to < size())) {
          return;
        }
        prefetchedTo = to;
      }
      window.headMap(end - readaheadBytes - streamSlack).clear();
      try {
        ChunkCursor cursor = manifest.chunks(from);
        for (Chunk c = cursor.next(); c != null && c.offset() < to; c = cursor.next()) {
          Ahead a = new Ahead(c, new CompletableFuture<>());
          if (window.putIfAbsent(c.offset(), a) != null) {
            continue;
          }
          try {
            readahead.execute(new FetchAhead(a, streamFetcher));
          } catch (RejectedExecutionException e) {
            // Shut down or saturated: skip the hint.
            window.remove(c.offset(), a);
            a.data().cancel(false);
            return;
          }
        }
      } catch (IOException | RuntimeException e) {
        // Readahead is a hint: the reader's own fetch reports the failure.
      }
    }
  }
}
