package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.cas.chunk.ChunkCursor;
import org.latticefs.cas.chunk.Extent;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.ManifestReader;

/**
 * Reads one stored version of a file, telling sequential streams from random reads; thread-safe
 * (many FUSE threads read through one reader at once) and holding only memory (dropping it is
 * enough). Opened by {@link ContentReaders}.
 *
 * <h2>Streams</h2>
 *
 * A read that starts within the stream slack ({@link ContentReaders#STREAM_SLACK}) of where a
 * recent read of this version ended continues that stream (the slack absorbs the kernel sending a
 * stream's requests out of order on several FUSE threads). A stream is sequential from its third
 * read on, or from its first if it starts at offset 0, so random reads that land near each other by
 * chance stay random. Its readahead starts at {@link ContentReaders#FIRST_READAHEAD} and doubles
 * with each read up to the reader's limit, so a short run does not fetch tens of MiB nobody reads.
 *
 * <ul>
 *   <li><b>Sequential</b>: whole chunks through the uncached fetcher's {@link BlobFetcher#fetch},
 *       and the chunks of the next {@code readahead} bytes are fetched ahead, one task per chunk on
 *       the readers' threads (several disk reads outstanding). A read that needs a chunk being
 *       fetched ahead waits for that fetch and uses its bytes; it never issues a second read.
 *       Streams bypass the chunk cache: a file read once from start to end would only flush it, and
 *       a large on-heap cache turning over at disk speed makes every young collection copy the
 *       chunks it keeps (measured: 56 pauses, most of 70-230 ms, in one cold 1 GiB read). Re-reads
 *       of a stream are served by the kernel's page cache. Chunks fetched ahead are dropped once
 *       read past (at most about {@code readahead} bytes are held).
 *   <li><b>Random</b>: only the bytes asked for, through the cached fetcher's {@link
 *       BlobFetcher#fetchRange} per chunk touched (a 4 KiB read of a 256 KiB chunk reads and
 *       verifies about 4 KiB where the fetcher can), or from a chunk already fetched ahead.
 * </ul>
 *
 * Readahead is a hint: a fetch ahead that fails is dropped and the reader's own fetch reports the
 * failure (e.g. a corrupt chunk is EIO for that read, never data). Holes read as zeros without any
 * fetch, and readahead skips them.
 */
public final class ContentReader {
  /** Streams remembered per file version. */
  private static final int STREAMS = 4;

  private final ManifestReader manifest;
  private final BlobFetcher fetcher;
  private final BlobFetcher streamFetcher;
  private final Executor readahead;
  private final long readaheadBytes;
  private final long streamSlack;

  /** A chunk fetched ahead for a sequential stream, by the stream fetcher. */
  record Ahead(Chunk chunk, CompletableFuture<byte[]> data) {}

  /** The readahead task for one chunk (cancelled, if still queued, when the readers close). */
  record FetchAhead(Ahead ahead, BlobFetcher fetcher) implements Runnable {
    @Override
    public void run() {
      try {
        ahead.data().complete(fetcher.fetch(ahead.chunk().ref()));
      } catch (Throwable e) {
        ahead.data().completeExceptionally(e);
      }
    }
  }

  /** Whole chunks fetched (or being fetched) for sequential reads, by offset in the file. */
  private final ConcurrentSkipListMap<Long, Ahead> window = new ConcurrentSkipListMap<>();

  // Guarded by this.
  private final long[] streamEnds = new long[STREAMS];
  private final int[] streamReads = new int[STREAMS];
  private int nextStream;
  private long prefetchedTo;

  ContentReader(
      ManifestReader manifest,
      BlobFetcher fetcher,
      BlobFetcher streamFetcher,
      Executor readahead,
      long readaheadBytes,
      long streamSlack) {
    this.manifest = manifest;
    this.fetcher = fetcher;
    this.streamFetcher = streamFetcher;
    this.readahead = readahead;
    this.readaheadBytes = readaheadBytes;
    this.streamSlack = streamSlack;
    Arrays.fill(streamEnds, -1);
  }

  public long size() {
    return manifest.size();
  }

  /**
   * Copies bytes from {@code pos} into {@code dst} until it is full or the file ends.
   *
   * @return the count; -1 if {@code pos >= size()} and {@code dst} has room
   * @throws org.latticefs.cas.CorruptBlobException if a chunk the range needs is corrupt
   * @throws org.latticefs.cas.chunk.MalformedManifestException if the manifest is inconsistent
   */
  public int read(long pos, ByteBuffer dst) throws IOException {
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
      Extent e = cursor.nextExtent();
      if (e == null || e.offset() > p || e.end() <= p) {
        throw new MalformedManifestException(
            "manifest " + manifest.ref() + " has no extent at offset " + p);
      }
      int n = (int) (Math.min(end, e.end()) - p);
      if (!(e instanceof Chunk c)) {
        Zeros.fill(dst, n); // a hole: zeros, no I/O
        p += n;
        continue;
      }
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
      prefetch(
          end, Math.min(readaheadBytes, ContentReaders.FIRST_READAHEAD << Math.min(run - 3, 20)));
    }
    return (int) (end - pos);
  }

  /** Every chunk of the version, in file order (holes left out). */
  public List<Chunk> chunks() throws IOException {
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
          "chunk " + c.ref() + " is " + data.length + " bytes but the manifest says " + c.length());
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
