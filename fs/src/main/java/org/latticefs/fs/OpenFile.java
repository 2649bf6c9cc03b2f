package org.latticefs.fs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.IngestSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The open state of one file on this node, shared by every handle open on it, so reads through one
 * descriptor see writes through another as on a local disk.
 *
 * <h2>Staging</h2>
 *
 * Opening never copies the file. Written bytes go to {@link Staging} at their own offsets (memory
 * for a small file, else a sparse staging file), and {@code written} records which ranges it holds;
 * every other byte below {@code baseLimit} comes from the committed version ({@code base}), and the
 * rest up to {@code size} reads as zeros (a hole left by extending). A commit turns this view into
 * a new version and empties the staging file.
 *
 * <h2>Sequential writers</h2>
 *
 * While the file is written strictly in order from the end of its committed content (a new or
 * truncated file from 0, or an append), the content is {@code base[0, keep)} followed by the
 * staging file from {@code keep} on, and every byte written is final until the commit. Once {@link
 * #STREAM_AFTER} bytes are written this way, a background ingest ({@link IngestSession}) chunks,
 * hashes and stores them while the writer goes on, so the commit only has the tail left. Any other
 * write, or a truncate, ends it: a session that holds pushed bytes (below) is checkpointed, one
 * that reads the staging file is abandoned (its uncommitted blobs are dropped or left as garbage
 * for the collector; nothing references them) and the commit ingests the ordinary way. Its result
 * is the manifest an ordinary ingest would give, committed with the same durability.
 *
 * <p>Once its session runs, the writer's bytes no longer go to the staging file: they are pushed to
 * the session ({@link IngestSession#push}), which alone holds them until it stores them (so they
 * reach the disk once, not also as staging pages that the store's syncfs writes back). Anything
 * that needs those bytes — a read of them, any other write, a truncate — first checkpoints the run
 * (below). If the session fails while holding them they are gone: the open file then fails every
 * read, write and commit (EIO, or ENOSPC for a full disk or quota) and the file keeps its committed
 * version, as a local disk reports a failed write-back at fsync or close. A pushing session waits
 * for its writer indefinitely (it holds one of {@link CasContents#MAX_SESSIONS} and up to 16 MiB of
 * pushed bytes until the file is closed).
 *
 * <p>Every {@link #checkpointEvery} bytes (1 GiB) a run's session is finished: its version becomes
 * the base (in cas, uncommitted), the staging file is emptied and the run goes on as an append to
 * it, so staging never holds more than about that much of a file however large it grows. Reads of
 * the checkpointed part come from cas. Nothing references a checkpoint's blobs until the commit.
 *
 * <h2>Locking</h2>
 *
 * {@link #data} guards the content (reads share it; writes, truncation and commits take it
 * exclusively). The metadata fields ({@link #committed}, {@link #pending}, {@link #unlinked}, the
 * handle count) are guarded by the object's monitor, taken briefly, always after {@code data} and
 * after the store's namespace lock.
 */
final class OpenFile {
  private static final Logger LOG = LoggerFactory.getLogger(OpenFile.class);

  /** Bytes a sequential writer writes before its content is ingested in the background. */
  static final long STREAM_AFTER = 8L << 20;

  /** Sessions started for one sequential run (a failed one, e.g. after a long pause, restarts). */
  private static final int MAX_SESSION_STARTS = 3;

  /**
   * Bytes of one sequential run after which its session is finished into a base version (durable in
   * cas, not yet committed) and the staging file is emptied (tests lower it). Without this the
   * staging file held the whole file until its close: copying in a file larger than half the free
   * space failed.
   */
  static volatile long checkpointEvery = 1L << 30;

  /**
   * Whether a streamed run's bytes go straight to its session instead of through the staging file
   * (BENCHMARKS.md: the staging file's pages were written to disk by the store's syncfs, so every
   * byte reached the disk twice). Tests switch it off to cover the staging-file route.
   */
  static volatile boolean streamWrites = true;

  final StoreContext store;
  final long id;
  final ReentrantReadWriteLock data = new ReentrantReadWriteLock();
  private final CasContents contents;
  private final long readahead;

  // Guarded by data.
  private final Staging staging;
  private final RangeSet written = new RangeSet();
  private Inode base;
  private volatile CasContents.Reader baseReader;
  private final Object baseReaderLock = new Object();
  private long baseLimit;
  private volatile long size;
  private volatile long mtimeNanos;
  private volatile boolean dirty;
  private Sequential sequential;
  private boolean unordered;

  /** Whether {@code base} is a checkpoint of this open file (in cas, not the committed version). */
  private boolean baseUncommitted;

  /**
   * Set when a streamed run's session failed after taking bytes that exist nowhere else: every
   * later read, write and commit through this open state fails with it (ENOSPC if the disk or quota
   * was full, else EIO), and the file keeps its committed version.
   */
  private FsException lost;

  // Guarded by this.
  Inode committed;
  boolean pending;
  long pendingParent;
  String pendingName;
  boolean unlinked;
  int handles;

  OpenFile(
      StoreContext store,
      long id,
      Inode committed,
      Path stagingPath,
      CasContents contents,
      long readahead) {
    this.store = store;
    this.id = id;
    this.committed = committed;
    this.base = committed;
    this.baseLimit = committed.size();
    this.size = committed.size();
    this.mtimeNanos = committed.mtimeNanos();
    this.staging = new Staging(stagingPath);
    this.contents = contents;
    this.readahead = readahead;
  }

  /** The live view for stat. */
  record Live(Inode meta, long size, long mtimeNanos) {}

  synchronized Live live() {
    Inode c = committed;
    return dirty ? new Live(c, size, mtimeNanos) : new Live(c, c.size(), c.mtimeNanos());
  }

  /** Sets the modification time shown while dirty and committed with the content. */
  void setMtime(long nanos) {
    mtimeNanos = nanos;
  }

  long mtimeNanos() {
    return mtimeNanos;
  }

  boolean dirty() {
    return dirty;
  }

  long size() {
    return size;
  }

  /** Reads at {@code pos} into {@code dst}; returns the count, 0 at or past the end. */
  int read(long pos, ByteBuffer dst) throws IOException {
    data.readLock().lock();
    try {
      failIfLost();
      if (!inPushedRun(pos, dst.remaining())) {
        return readLocked(pos, dst);
      }
    } finally {
      data.readLock().unlock();
    }
    // Bytes the session holds: checkpoint (under the write lock), then read them from cas.
    data.writeLock().lock();
    try {
      failIfLost();
      settlePushedRun();
      return readLocked(pos, dst);
    } finally {
      data.writeLock().unlock();
    }
  }

  /** Whether {@code [pos, pos + n)} overlaps bytes only a pushing session holds. Holds data. */
  private boolean inPushedRun(long pos, int n) {
    Sequential q = sequential;
    return q != null && q.pushFrom >= 0 && pos < q.end && pos + n > q.pushFrom;
  }

  private void failIfLost() throws FsException {
    if (lost != null) {
      throw new FsException(lost.errno(), lost.getMessage());
    }
  }

  /** {@link #read} for a caller that holds the lock, or runs for one that does (the ingester). */
  private int readLocked(long pos, ByteBuffer dst) throws IOException {
    {
      long end = size;
      if (pos >= end || !dst.hasRemaining()) {
        return 0;
      }
      int want = (int) Math.min(dst.remaining(), end - pos);
      int done = 0;
      while (done < want) {
        long p = pos + done;
        int n = want - done;
        RangeSet.Range w = written.containing(p);
        if (w != null) {
          n = (int) Math.min(n, w.end() - p);
          staging.read(p, dst, n);
        } else {
          n = (int) Math.min(n, Math.min(written.nextStartAfter(p), end) - p);
          if (p < baseLimit) {
            n = (int) Math.min(n, baseLimit - p);
            readBase(p, dst, n);
          } else {
            zeros(dst, n);
          }
        }
        done += n;
      }
      return done;
    }
  }

  /** Writes all of {@code src} at {@code pos}; returns the count. */
  int write(long pos, ByteBuffer src, long nowNanos) throws IOException {
    data.writeLock().lock();
    try {
      failIfLost();
      int n = src.remaining();
      Sequential q = sequential;
      if (q != null && q.pushFrom >= 0) {
        if (pos == q.end && n > 0) {
          return push(q, pos, src, nowNanos);
        }
        settlePushedRun();
      }
      long sizeBefore = size;
      boolean firstWrite = written.isEmpty();
      staging.write(src, pos);
      written.add(pos, pos + n);
      size = Math.max(size, pos + n);
      mtimeNanos = nowNanos;
      dirty = true;
      followSequential(pos, n, sizeBefore, firstWrite);
      return n;
    } finally {
      data.writeLock().unlock();
    }
  }

  void truncate(long newSize, long nowNanos) throws IOException {
    data.writeLock().lock();
    try {
      failIfLost();
      if (newSize != size) {
        settlePushedRun();
      }
      if (newSize != size && sequential != null) {
        // Before any write (open with O_TRUNC) the next write decides; during a run it ends it.
        breakSequential();
      }
      if (newSize < size) {
        written.clip(newSize);
        baseLimit = Math.min(baseLimit, newSize);
        staging.truncate(newSize);
      }
      size = newSize;
      mtimeNanos = nowNanos;
      dirty = true;
    } finally {
      data.writeLock().unlock();
    }
  }

  /** A new version of the content, ready to be put in the inode. */
  record Content(long size, BlobRef manifest, byte[] inline) {}

  /**
   * Stores the current content as a new version (chunks and manifest durable when this returns) and
   * returns it; null if the content equals the committed version. Caller holds {@code
   * data.writeLock()}.
   */
  Content storeContent() throws IOException {
    failIfLost();
    long n = size;
    boolean sameAsBase = written.isEmpty() && baseLimit == base.size() && n == base.size();
    if (sameAsBase && !baseUncommitted) {
      return null;
    }
    if (sameAsBase) {
      // Nothing written since a checkpoint (so no session runs): the checkpoint is the version.
      return new Content(n, base.manifest(), base.inline());
    }
    if (n <= Inode.MAX_INLINE) {
      byte[] all = new byte[(int) n];
      readLocked(0, ByteBuffer.wrap(all));
      return new Content(n, null, all);
    }
    IngestResult streamed = finishSequential(n);
    if (streamed != null) {
      return new Content(n, streamed.manifest(), null);
    }
    long oldSize = base.size();
    long delta = n - oldSize;
    long changeStart = Long.MAX_VALUE;
    long changeEnd = 0;
    for (RangeSet.Range r : written.ranges()) {
      changeStart = Math.min(changeStart, r.start());
      changeEnd = Math.max(changeEnd, r.end());
    }
    if (delta != 0 || baseLimit < oldSize) {
      changeStart = Math.min(changeStart, Math.min(baseLimit, n));
      changeEnd = n;
    }
    changeStart = Math.min(changeStart, changeEnd);
    BlobRef previous = base.manifest();
    ContentChannel view = new ContentChannel(this::readUnlocked, n);
    org.latticefs.cas.chunk.IngestResult r =
        contents.store(view, previous, changeStart, changeEnd, delta);
    return new Content(n, r.manifest(), null);
  }

  /** After the commit of {@code now}: it becomes the base, staging empties. Holds data lock. */
  void committedContent(Inode now) throws IOException {
    base = now;
    baseUncommitted = false;
    baseReader = null;
    baseLimit = now.size();
    size = now.size();
    written.clear();
    if (sequential != null) {
      sequential.abandon();
      sequential = null;
    }
    unordered = false;
    staging.truncate(0);
    dirty = false;
  }

  /** Releases the staging file. */
  void close() throws IOException {
    data.writeLock().lock();
    try {
      breakSequential();
      staging.close();
    } finally {
      data.writeLock().unlock();
    }
  }

  /**
   * A sequential run: the content is {@code base[0, keep)} then the staging file's {@code [keep,
   * end)}, written in order; {@code session} ingests it once it is long enough. Guarded by data.
   */
  private static final class Sequential {
    final long keep;
    long end;
    IngestSession session;
    int starts;

    /** Where the session started taking pushed bytes (not written to staging); -1 before. */
    long pushFrom = -1;

    Sequential(long keep) {
      this.keep = keep;
      this.end = keep;
    }

    void abandon() {
      if (session != null) {
        session.close();
        session = null;
      }
    }
  }

  /**
   * After a write of {@code n} bytes at {@code pos}: extends the sequential run, starts one (an
   * append to content that is all the committed version's), or abandons it. Holds data's write
   * lock.
   */
  private void followSequential(long pos, int n, long sizeBefore, boolean firstWrite) {
    if (unordered || n == 0) {
      return;
    }
    Sequential q = sequential;
    if (q == null) {
      boolean appendsToBase =
          firstWrite
              && pos == sizeBefore
              && sizeBefore == baseLimit
              && (sizeBefore == 0 || base.manifest() != null);
      if (!appendsToBase) {
        unordered = true;
        return;
      }
      q = new Sequential(pos);
      sequential = q;
    } else if (pos != q.end) {
      breakSequential();
      return;
    }
    q.end = pos + n;
    if (q.session != null && q.session.failed()) {
      q.abandon();
    }
    if (q.session != null) {
      q.session.advance(q.end);
      if (q.end - q.keep >= checkpointEvery) {
        checkpoint(q);
      }
    } else if (q.end - q.keep >= STREAM_AFTER && q.starts < MAX_SESSION_STARTS) {
      try {
        q.session =
            contents.startSession(q.keep > 0 ? base.manifest() : null, q.keep, staging.file());
        if (q.session != null) {
          q.starts++;
          q.session.advance(q.end);
          if (streamWrites) {
            // From here on the writer's bytes go to the session, not through the staging file.
            q.session.startPush(q.end);
            q.pushFrom = q.end;
          }
        }
      } catch (IOException | RuntimeException e) {
        if (q.session != null && q.pushFrom < 0) {
          q.session.close();
          q.session = null;
        }
        LOG.debug("no background ingest for inode {}: {}", Keys.id(id), e.toString());
        q.starts = MAX_SESSION_STARTS;
      }
    }
  }

  /** A write that continues a pushing run: the bytes go to the session only. Holds data. */
  private int push(Sequential q, long pos, ByteBuffer src, long nowNanos) throws IOException {
    int n = src.remaining();
    try {
      q.session.push(src);
    } catch (IOException | RuntimeException e) {
      throw lose(q, e);
    }
    written.add(pos, pos + n);
    size = Math.max(size, pos + n);
    mtimeNanos = nowNanos;
    dirty = true;
    q.end = pos + n;
    if (q.end - q.keep >= checkpointEvery) {
      checkpoint(q);
      failIfLost();
    }
    return n;
  }

  /**
   * Before anything that needs the bytes a pushing session holds (a read of them, another write, a
   * truncate): checkpoints the run, so they are in cas and the base. Holds data's write lock.
   */
  private void settlePushedRun() throws IOException {
    Sequential q = sequential;
    if (q != null && q.pushFrom >= 0) {
      checkpoint(q);
      failIfLost();
    }
  }

  /**
   * A pushing session failed: the bytes it held are gone. Marks this open state lost (see {@link
   * #lost}) and returns the error to throw.
   */
  private FsException lose(Sequential q, Throwable cause) {
    q.abandon();
    sequential = null;
    unordered = true;
    lost =
        new FsException(
            LatticeFuse.isNoSpace(cause) ? Errno.ENOSPC : Errno.EIO,
            "storing inode "
                + Keys.id(id)
                + " failed after byte "
                + q.pushFrom
                + "; what was written since its last commit is lost: "
                + cause);
    LOG.error(lost.getMessage(), cause);
    return lost;
  }

  /**
   * Finishes a long sequential run's session at its end: the content so far becomes the base (its
   * chunks and manifest durable in cas, referenced by nothing until the commit), the staging file
   * is emptied, and the run goes on as an append to that base. The writer waits for the session to
   * catch up. If the session fails, the run just goes on without it (the staging file keeps every
   * byte, and the commit ingests the ordinary way). Holds data's write lock.
   */
  private void checkpoint(Sequential q) {
    IngestResult r;
    try {
      r = contents.finish(q.session, q.end);
    } catch (IOException | RuntimeException e) {
      if (q.pushFrom >= 0) {
        lose(q, e);
        return;
      }
      q.session.close();
      q.session = null;
      q.starts = MAX_SESSION_STARTS;
      LOG.warn(
          "background ingest of inode {} failed at {} bytes; it is ingested on commit: {}",
          Keys.id(id),
          q.end,
          e.toString());
      return;
    }
    q.session = null;
    base = base.withContent(q.end, r.manifest(), null);
    baseUncommitted = true;
    baseReader = null;
    baseLimit = q.end;
    written.clear();
    sequential = new Sequential(q.end);
    try {
      staging.truncate(0);
    } catch (IOException e) {
      // Its bytes are all in the base now; a staging file that did not shrink only takes space.
      LOG.warn("could not empty the staging file of inode {}: {}", Keys.id(id), e.toString());
    }
  }

  /** Abandons the sequential run until the next commit. Holds data's write lock. */
  private void breakSequential() {
    if (sequential != null) {
      sequential.abandon();
      sequential = null;
    }
    unordered = true;
  }

  /**
   * The background ingest's result for content of {@code n} bytes, if a sequential run's session
   * covers exactly that content; null otherwise (then the caller ingests the ordinary way). Either
   * way the run ends here. Holds data's write lock.
   */
  private IngestResult finishSequential(long n) throws IOException {
    Sequential q = sequential;
    if (q == null || q.session == null) {
      return null;
    }
    sequential = null;
    unordered = true;
    IngestSession session = q.session;
    List<RangeSet.Range> ranges = written.ranges();
    boolean exact =
        q.end == n
            && baseLimit >= q.keep
            && ranges.size() == 1
            && ranges.get(0).start() == q.keep
            && ranges.get(0).end() == q.end;
    if (!exact && q.pushFrom >= 0) {
      // Cannot happen: every other change settles a pushing run first.
      throw lose(q, new IllegalStateException("a pushing run is not the whole change"));
    }
    if (!exact) {
      session.close();
      return null;
    }
    try {
      return contents.finish(session, n);
    } catch (IOException | RuntimeException e) {
      if (q.pushFrom >= 0) {
        throw lose(q, e);
      }
      session.close();
      LOG.warn(
          "background ingest of inode {} failed, ingesting it again: {}",
          Keys.id(id),
          e.toString());
      return null;
    }
  }

  private int readUnlocked(long pos, ByteBuffer dst) throws IOException {
    // Called by contents.store while this thread holds the write lock (which may take the read
    // lock).
    long end = size;
    if (pos >= end) {
      return -1;
    }
    int lim = dst.limit();
    if (dst.remaining() > end - pos) {
      dst.limit(dst.position() + (int) (end - pos));
    }
    try {
      return readLocked(pos, dst);
    } finally {
      dst.limit(lim);
    }
  }

  private CasContents.Reader baseReader() throws IOException {
    // Readers share one (its streams and readahead); reads hold only the shared data lock.
    CasContents.Reader r = baseReader;
    if (r == null) {
      synchronized (baseReaderLock) {
        r = baseReader;
        if (r == null) {
          r = contents.open(base.manifest(), readahead);
          baseReader = r;
        }
      }
    }
    return r;
  }

  private void readBase(long p, ByteBuffer dst, int n) throws IOException {
    byte[] inline = base.inline();
    if (inline != null) {
      dst.put(inline, (int) p, n);
      return;
    }
    if (base.manifest() == null) {
      zeros(dst, n);
      return;
    }
    CasContents.Reader r = baseReader();
    int lim = dst.limit();
    dst.limit(dst.position() + n);
    try {
      long q = p;
      while (dst.hasRemaining()) {
        int got = r.read(q, dst);
        if (got <= 0) {
          throw new FsException(
              Errno.EIO, "stored content of inode " + Keys.id(id) + " ends early at " + q);
        }
        q += got;
      }
    } finally {
      dst.limit(lim);
    }
  }

  private static final byte[] ZEROS = new byte[64 * 1024];

  static void zeros(ByteBuffer dst, int n) {
    while (n > 0) {
      int k = Math.min(n, ZEROS.length);
      dst.put(ZEROS, 0, k);
      n -= k;
    }
  }
}
