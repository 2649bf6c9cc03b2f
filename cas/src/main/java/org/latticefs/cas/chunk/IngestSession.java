package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.Futures;

/**
 * An ingest that runs while its content is still being written: the writer says how much of the
 * content is final ({@link #advance}), a background thread chunks, hashes and stores that much, and
 * {@link #finish} only has the tail left. Started by {@link FileIngester#startSession}.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>{@link #advance advance(n)}: the first {@code n} bytes of the content are final — they will
 *       not change and may be read from the source now. Never decreases.
 *   <li>{@link #finish finish(size)}: the content is exactly {@code size} bytes, all final. Waits
 *       for the ingest and returns exactly what {@link FileIngester#ingest(FileChannel)} of the
 *       same bytes returns when it has no holes (manifest ref, size, chunk count): chunks are cut
 *       by the same chunker, only where the cut can no longer change (once a full {@link
 *       Chunker#maxSize()} past the chunk's start is final, or at the end), and the tree is built
 *       by the same {@link ManifestBuilder}. When it returns, every blob the manifest reaches is
 *       durable (one batch, committed once).
 *   <li>{@link #close()}: abandons a session that has not finished; does not wait. The content is
 *       then ingested the ordinary way, if at all. No manifest is stored for an abandoned session.
 *   <li>{@link #appendHole appendHole(n)}: the next {@code n} bytes of the content, right after
 *       what is final so far, are a hole: zeros that are never read, chunked, hashed or stored (a
 *       file truncated to a larger size, or written past its end). They are final at once. A hole
 *       breaks the chunking as the end of the content would; consecutive holes are one hole.
 *   <li>{@link #startPush startPush(from)}: from byte {@code from} on (everything before it final
 *       in the source), the content is what {@link #push} (and {@link #appendHole}) hand over, in
 *       order, and the source is no longer read there. Pushed bytes exist only in the session until
 *       it stores them: if the session fails or is abandoned they are gone, so the caller must
 *       treat that as losing them. A pushing session never times out for lack of content.
 * </ul>
 *
 * <h2>Durability and garbage</h2>
 *
 * A session commits its chunk batches every {@value #DEFAULT_COMMIT_EVERY} bytes or so while it
 * runs (so the data reaches the disk while the writer is still writing) and once more in {@link
 * #finish}, which also stores the manifest. Chunks committed before {@code finish} are durable but
 * referenced by nothing until the caller commits the manifest it returns; after an abandoned
 * session, a crash, or a failed {@code finish}, they stay unreferenced: garbage for the collector,
 * never part of a file (and dedup makes them free if the same content is stored later). Chunks not
 * yet committed go with their batch ({@code DiskBlobStore} deletes the temp files).
 *
 * <p>A failure of the background work (an I/O error, or no new content for the idle timeout,
 * measured on the session's clock: {@link System#nanoTime()} unless a test injects one) ends the
 * session: {@link #finish} then throws it, and the caller falls back to an ordinary ingest.
 *
 * <h2>Threads</h2>
 *
 * One thread per session ({@code lattice-ingest-session}) builds the manifest; a large session also
 * uses the ingester's chunker and writer threads, like a large {@link FileIngester#ingest}, and one
 * thread that runs the background commits. They are never interrupted (an interrupt would close the
 * caller's channel): closing is a flag. {@link #ended()} completes when they are all gone; the
 * caller closes the source after that. {@link #advance}, {@link #finish} and {@link #close} may be
 * called from any thread, by one writer at a time.
 */
public final class IngestSession implements AutoCloseable {
  /**
   * How much new content a session stores between two commits of its batches: a long session's
   * chunks are written out (and made durable) while the file is still being written, so that {@link
   * #finish} only has the tail to sync.
   */
  static final long DEFAULT_COMMIT_EVERY = 128L << 20;

  /** How long the background thread waits for new content before giving up. */
  static final long DEFAULT_IDLE_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** The smallest amount of new content worth waking the background thread for. */
  private static final int WAKE_BYTES = 1 << 20;

  /** Pushed bytes a session holds before {@link #push} waits for it to catch up. */
  static final int PUSH_QUEUE_BYTES = 16 << 20;

  /** What {@link #awaitFinal} returns when the content at the position is pushed. */
  private static final long FROM_PUSH = -2;

  /** What {@link #awaitFinal} returns when a hole starts at the position. */
  private static final long AT_HOLE = -3;

  /** Size of the reused copies that hold pushed bytes (FUSE's largest write). */
  private static final int PUSH_PIECE = 128 * 1024;

  /** Read pieces kept for the pusher to reuse (4 MiB): enough to keep up with a steady writer. */
  private static final int SPARE_PIECES = 32;

  private final FileIngester ingester;
  private final BlobFetcher oldTree;
  private final BlobRef oldManifest;
  private final long keep;
  private final FileChannel source;
  private final int blockSize;
  private final long commitEvery;
  private final long idleNanos;
  private final LongSupplier nanoTime;
  private final CompletableFuture<IngestResult> result = new CompletableFuture<>();
  private final Thread thread;

  // Guarded by this.
  private long limit;
  private boolean eof;
  private boolean abandoned;
  private long wakeAt = Long.MAX_VALUE;
  private long pushFrom = Long.MAX_VALUE;
  private final ArrayDeque<Piece> pushed = new ArrayDeque<>();

  /** Holes appended before pushing started, in order, not yet read past. */
  private final ArrayDeque<Hole> holes = new ArrayDeque<>();

  private final ArrayDeque<byte[]> spare = new ArrayDeque<>();
  private int headOffset;
  private long queuedBytes;

  /** Pushed bytes {@code buf[0, len)}, or (with {@code buf} null) a hole of {@code hole} bytes. */
  private record Piece(byte[] buf, int len, long hole) {}

  private volatile long consumed;

  /** How many times the background thread has looked for new content and found too little. */
  private volatile long contentChecks;

  IngestSession(
      FileIngester ingester,
      BlobFetcher oldTree,
      BlobRef oldManifest,
      long keep,
      FileChannel source,
      int blockSize,
      long commitEvery,
      long idleNanos,
      LongSupplier nanoTime) {
    this.ingester = ingester;
    this.oldTree = oldTree;
    this.oldManifest = oldManifest;
    this.keep = keep;
    this.source = source;
    this.blockSize = blockSize;
    this.commitEvery = commitEvery;
    this.idleNanos = idleNanos;
    this.nanoTime = nanoTime;
    this.limit = keep;
    this.thread = new Thread(this::run, "lattice-ingest-session");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  private void run() {
    try {
      result.complete(ingester.run(this::begin, blockSize, commitEvery, c -> {}));
    } catch (Throwable e) {
      result.completeExceptionally(e);
    } finally {
      synchronized (this) {
        // A pusher waiting for room must see that nobody will read any more.
        pushed.clear();
        spare.clear();
        queuedBytes = 0;
        notifyAll();
      }
    }
  }

  /** Keeps the old chunks that end by {@code keep} (not the old last one); input from there. */
  private ChunkSource.Input begin(ManifestBuilder builder) throws IOException {
    ManifestReader old = null;
    if (oldManifest != null) {
      old = ManifestReader.open(oldTree, oldManifest, 1);
      long oldSize = old.size();
      if (keep > oldSize) {
        throw new IllegalArgumentException("keep " + keep + " > old size " + oldSize);
      }
      OldVersion.keepPrefix(builder, old.chunks(), keep);
    }
    return new Feed(builder.length(), old);
  }

  /**
   * Declares the first {@code finalBytes} bytes of the content final. A value below an earlier one
   * is ignored.
   *
   * @throws IllegalStateException after {@link #finish}
   */
  public void advance(long finalBytes) {
    synchronized (this) {
      if (eof) {
        throw new IllegalStateException("session already finished");
      }
      if (finalBytes <= limit) {
        return;
      }
      limit = finalBytes;
      if (limit >= wakeAt) {
        notifyAll();
      }
    }
  }

  /**
   * Appends a hole of {@code length} zero bytes to the content, right after what is final so far
   * (or pushed): they are final at once, never read from the source, and stored as a hole in the
   * manifest. Consecutive holes are one hole.
   *
   * @throws IllegalArgumentException if {@code length} is below 1 or the content would pass {@link
   *     Long#MAX_VALUE} bytes
   * @throws IllegalStateException after {@link #finish}
   */
  public synchronized void appendHole(long length) {
    if (eof) {
      throw new IllegalStateException("session already finished");
    }
    if (length < 1 || length > Long.MAX_VALUE - limit) {
      throw new IllegalArgumentException("a hole of " + length + " bytes after " + limit);
    }
    if (pushFrom != Long.MAX_VALUE) {
      pushed.add(new Piece(null, 0, length));
    } else {
      holes.add(new Hole(limit, length));
    }
    limit += length;
    notifyAll();
  }

  /**
   * From byte {@code from} on, the content comes from {@link #push}, not the source. Everything
   * below {@code from} must have been declared final ({@link #advance}).
   *
   * @throws IllegalStateException if already pushing, finished, or {@code from} is not the final
   *     length declared so far
   */
  public synchronized void startPush(long from) {
    if (eof || pushFrom != Long.MAX_VALUE || from != limit) {
      throw new IllegalStateException(
          "cannot push from " + from + " (final " + limit + ", pushing from " + pushFrom + ")");
    }
    pushFrom = from;
  }

  /**
   * Appends all of {@code src} to the content (after {@link #startPush}); copies it, so the caller
   * may reuse {@code src} on return. Waits while the session holds {@link #PUSH_QUEUE_BYTES} pushed
   * bytes it has not read yet.
   *
   * @throws IOException if the session failed or was abandoned (the bytes pushed so far are lost)
   */
  public void push(ByteBuffer src) throws IOException {
    while (src.hasRemaining()) {
      int n = Math.min(src.remaining(), PUSH_PIECE);
      byte[] buf;
      synchronized (this) {
        buf = spare.poll();
      }
      if (buf == null) {
        buf = new byte[PUSH_PIECE];
      }
      src.get(buf, 0, n);
      synchronized (this) {
        if (pushFrom == Long.MAX_VALUE || eof) {
          throw new IllegalStateException("push before startPush or after finish");
        }
        while (queuedBytes + n > PUSH_QUEUE_BYTES && !abandoned && !result.isDone()) {
          try {
            wait();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while pushing");
          }
        }
        if (abandoned || result.isDone()) {
          Throwable why = failure();
          throw new IOException(
              "ingest session "
                  + (why == null ? "abandoned" : "failed: " + why.getMessage())
                  + ", before taking the pushed bytes",
              why);
        }
        pushed.add(new Piece(buf, n, 0));
        queuedBytes += n;
        limit += n;
        notifyAll();
      }
    }
  }

  /** What the background work failed with, if it did (the cause, as {@link #finish} throws it). */
  private Throwable failure() {
    if (!result.isCompletedExceptionally()) {
      return null;
    }
    try {
      Futures.await(result);
      return null;
    } catch (IOException | RuntimeException | Error e) {
      return e;
    }
  }

  /**
   * Copies pushed bytes into {@code b}: at least one, -1 once the content is complete and all read,
   * {@link ChunkSource.Input#HOLE} if a pushed hole is next. Waits for the pusher (without a
   * timeout: the bytes exist nowhere else).
   */
  private synchronized int readPushed(byte[] b, int off, int len) throws IOException {
    while (pushed.isEmpty()) {
      if (abandoned) {
        throw new IOException("ingest session abandoned");
      }
      if (eof) {
        return -1;
      }
      try {
        wait();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for pushed content");
      }
    }
    Piece p = pushed.peek();
    if (p.buf() == null) {
      return ChunkSource.Input.HOLE;
    }
    int n = Math.min(len, p.len() - headOffset);
    System.arraycopy(p.buf(), headOffset, b, off, n);
    headOffset += n;
    if (headOffset == p.len()) {
      pushed.poll();
      headOffset = 0;
      queuedBytes -= p.len();
      if (spare.size() < SPARE_PIECES) {
        spare.add(p.buf());
      }
      notifyAll();
    }
    return n;
  }

  /**
   * Declares the content complete at {@code size} bytes, waits for the ingest and returns it.
   *
   * @throws IllegalArgumentException if {@code size} is below what was declared final
   * @throws IOException if the background work failed, or the session was abandoned
   */
  public IngestResult finish(long size) throws IOException {
    synchronized (this) {
      if (size < limit) {
        throw new IllegalArgumentException(size + " is below the final " + limit + " bytes");
      }
      if (pushFrom != Long.MAX_VALUE && size != limit) {
        throw new IllegalArgumentException(
            size + " bytes, but " + limit + " were pushed or final when pushing started");
      }
      if (abandoned) {
        throw new IOException("ingest session was abandoned");
      }
      limit = size;
      eof = true;
      notifyAll();
    }
    IngestResult r = await();
    if (r.size() != size) {
      throw new IOException("ingest session read " + r.size() + " bytes, expected " + size);
    }
    return r;
  }

  /** Abandons the session unless it has finished; returns at once. Idempotent. */
  @Override
  public void close() {
    synchronized (this) {
      if (!eof || !result.isDone()) {
        abandoned = true;
        notifyAll();
      }
    }
  }

  /** Whether the background work has already failed (finish would throw). */
  public boolean failed() {
    return result.isCompletedExceptionally();
  }

  /** Bytes of new content the background work has read so far. */
  public long consumed() {
    return consumed;
  }

  /** How many times the background work has waited for content and looked again (for tests). */
  long contentChecks() {
    return contentChecks;
  }

  /**
   * Completes (normally or not) when the background threads are gone and the source is no longer
   * read.
   */
  public CompletionStage<IngestResult> ended() {
    return result.copy();
  }

  private IngestResult await() throws IOException {
    try {
      return Futures.await(result);
    } catch (IOException io) {
      throw new IOException("ingest session failed: " + io.getMessage(), io);
    }
  }

  /**
   * Bytes available in the source at {@code pos} (at least {@code min(want, WAKE_BYTES)} unless the
   * content is complete or a hole follows them), -1 at the end, {@link #FROM_PUSH} if the content
   * there is pushed, {@link #AT_HOLE} if a hole starts there. Waits for the writer.
   */
  private synchronized long awaitFinal(long pos, int want) throws IOException {
    long need = Math.min(want, WAKE_BYTES);
    long deadline = nanoTime.getAsLong() + idleNanos;
    long seen = limit;
    while (true) {
      if (abandoned) {
        throw new IOException("ingest session abandoned");
      }
      Hole hole = holes.peek();
      if (hole != null) {
        // Everything before an appended hole is final: no waiting, no timeout.
        return hole.offset() == pos ? AT_HOLE : hole.offset() - pos;
      }
      if (pushFrom != Long.MAX_VALUE) {
        // Everything below pushFrom is final in the source (no waiting, no timeout); from there on
        // the content is pushed.
        return pos < pushFrom ? pushFrom - pos : FROM_PUSH;
      }
      long avail = limit - pos;
      if (eof) {
        return avail > 0 ? avail : -1;
      }
      if (avail >= need) {
        wakeAt = Long.MAX_VALUE;
        return avail;
      }
      contentChecks++;
      if (limit != seen) {
        // A slow writer is still a writer: only a stretch without any new content times out.
        seen = limit;
        deadline = nanoTime.getAsLong() + idleNanos;
      }
      long left = deadline - nanoTime.getAsLong();
      if (left <= 0) {
        throw new IOException(
            "no new content for " + TimeUnit.NANOSECONDS.toSeconds(idleNanos) + " s at " + pos);
      }
      wakeAt = pos + need;
      try {
        TimeUnit.NANOSECONDS.timedWait(this, left);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for content");
      }
    }
  }

  /** The hole at {@code pos}, taken from the holes or the pushed pieces; its length. */
  private synchronized long takeHole(long pos) {
    Hole h = holes.peek();
    if (h != null && h.offset() == pos) {
      holes.poll();
      return h.length();
    }
    Piece p = pushed.peek();
    if (p != null && p.buf() == null && pos >= pushFrom) {
      pushed.poll();
      notifyAll();
      return p.hole();
    }
    throw new IllegalStateException("no hole at " + pos);
  }

  /**
   * The content from the restart offset: old bytes below {@code keep}, then the source (or the
   * pushed pieces), with the appended holes.
   */
  private final class Feed implements ChunkSource.Input {
    private final ManifestReader old;
    private long pos;

    Feed(long restart, ManifestReader old) {
      this.pos = restart;
      this.old = old;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (pos < keep) {
        int n = (int) Math.min(len, keep - pos);
        ByteBuffer dst = ByteBuffer.wrap(b, off, n);
        while (dst.hasRemaining()) {
          int got = old.read(pos + dst.position() - off, dst);
          if (got <= 0) {
            throw new IOException("old version ends before " + keep);
          }
        }
        pos += n;
        return n;
      }
      long avail = awaitFinal(pos, len);
      if (avail == FROM_PUSH) {
        int n = readPushed(b, off, len);
        if (n > 0) {
          pos += n;
          consumed = pos - keep;
        }
        return n;
      }
      if (avail == AT_HOLE) {
        return HOLE;
      }
      if (avail < 0) {
        return -1;
      }
      int n = (int) Math.min(len, avail);
      ByteBuffer dst = ByteBuffer.wrap(b, off, n);
      while (dst.hasRemaining()) {
        int got = source.read(dst, pos + dst.position() - off);
        if (got < 0) {
          throw new IOException("source ends at " + (pos + dst.position() - off) + " before " + n);
        }
      }
      pos += n;
      consumed = pos - keep;
      return n;
    }

    @Override
    public long takeHole() {
      long n = IngestSession.this.takeHole(pos);
      pos += n;
      consumed = pos - keep;
      return n;
    }
  }
}
