package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.IngestSession;

/**
 * Stores new versions of file content through cas's {@link FileIngester}: whole ingests and
 * re-ingests around an edit ({@link #store}), and background sessions that take the bytes of a file
 * still being written as the writer pushes them ({@link #startSession}). Counts what ingests read,
 * so the cost of an edit is visible. Thread-safe.
 *
 * <p>Data flows one way: the filesystem hands content down (a read-only view of a version, or
 * pushed bytes) and gets a manifest back; nothing here calls into an open file.
 */
public final class ContentIngest {
  /** Background sessions that may run at once (each uses a few threads). */
  static final int MAX_SESSIONS = 2;

  private final FileIngester ingester;
  private final BlobFetcher oldTrees;
  private final Semaphore sessions = new Semaphore(MAX_SESSIONS);
  private final AtomicLong ingestedBytes = new AtomicLong();
  private final AtomicLong sessionsFinished = new AtomicLong();

  /**
   * @param ingester stores chunks and manifests
   * @param oldTrees reads the manifests and the few old chunks a re-ingest or an append re-cuts
   */
  public ContentIngest(FileIngester ingester, BlobFetcher oldTrees) {
    this.ingester = ingester;
    this.oldTrees = oldTrees;
  }

  /**
   * Stores {@code content} (read with positional reads from 0 to its size; the caller keeps it
   * unchanged until this returns) and returns the result. With a {@code previous} manifest, only
   * the chunks around {@code [changeStart, changeEnd)} are read (see {@link
   * FileIngester#reingest}). Durable on return; everything it stores or dedups against stays held
   * by {@code hold}.
   */
  public IngestResult store(
      Hold hold,
      FileChannel content,
      BlobRef previous,
      long changeStart,
      long changeEnd,
      long sizeDelta)
      throws IOException {
    FileIngester held = ingester.withReceiver(hold.receiver());
    IngestResult r =
        previous == null
            ? held.ingest(content)
            : held.reingest(oldTrees, previous, content, changeStart, changeEnd, sizeDelta);
    ingestedBytes.addAndGet(r.bytesRead());
    return r;
  }

  /**
   * Starts a background ingest of a version that keeps {@code previous[0, keep)} and continues with
   * the bytes the caller then {@link IngestSession#push pushes}, in order, from {@code keep} on
   * (see {@link FileIngester#startSession}). The session reads no source of the caller's: every
   * byte past {@code keep} is pushed. Returns null when {@link #MAX_SESSIONS} sessions already run;
   * the slot is free again once the session has ended (finished, failed or closed).
   *
   * @param hold holds everything the session stores or dedups against
   * @param previous the version kept from, or null (then {@code keep} is 0)
   */
  public IngestSession startSession(Hold hold, BlobRef previous, long keep) {
    if (!sessions.tryAcquire()) {
      return null;
    }
    IngestSession s;
    try {
      s =
          ingester
              .withReceiver(hold.receiver())
              .startSession(oldTrees, previous, keep, ContentChannel.empty());
    } catch (RuntimeException e) {
      sessions.release();
      throw e;
    }
    s.ended().whenComplete((r, e) -> sessions.release());
    try {
      s.startPush(keep);
    } catch (RuntimeException e) {
      s.close();
      throw e;
    }
    return s;
  }

  /** Finishes a session from {@link #startSession} at {@code size} bytes; durable on return. */
  public IngestResult finish(IngestSession session, long size) throws IOException {
    IngestResult r = session.finish(size);
    ingestedBytes.addAndGet(r.bytesRead());
    sessionsFinished.incrementAndGet();
    return r;
  }

  /** Bytes read and chunked by all ingests so far (an edit's cost, for measurements). */
  public long ingestedBytes() {
    return ingestedBytes.get();
  }

  /** Versions that came from a background session (including checkpoints). */
  public long sessionsFinished() {
    return sessionsFinished.get();
  }
}
