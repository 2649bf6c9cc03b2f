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
import org.latticefs.cas.chunk.ManifestReader;

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
   * Stores a staged version and returns the result, durable on return: {@code size} bytes that are
   * {@code written} ranges of {@code content} over the first {@code baseLimit} bytes of {@code
   * base}, the rest a hole (see {@link Runs}). Reads only what it must (the caller keeps {@code
   * content} unchanged until this returns):
   *
   * <ul>
   *   <li>a base made longer and nothing written: the base's extents and one hole, nothing read
   *       ({@link FileIngester#appendHole});
   *   <li>no hole where the content changed: only the chunks around the change ({@link
   *       FileIngester#reingest}; the base's holes elsewhere stay holes), or all of it without a
   *       base manifest ({@link FileIngester#ingest(FileChannel)});
   *   <li>otherwise an ingest that keeps the base's extents before the change and is told every run
   *       of data and hole from there ({@link IngestSession#advance}, {@link
   *       IngestSession#appendHole}): it reads the data from the change on, never a hole.
   * </ul>
   *
   * Everything it stores or dedups against stays held by {@code hold}.
   */
  IngestResult store(
      Hold hold, FileChannel content, long size, RangeSet written, Version base, long baseLimit)
      throws IOException {
    FileIngester held = ingester.withReceiver(hold.receiver());
    BlobRef old = base.manifest();
    long baseSize = base.size();
    IngestResult r;
    if (old != null && written.isEmpty() && baseLimit == baseSize && size > baseSize) {
      r = held.appendHole(oldTrees, old, size - baseSize);
    } else if (old == null) {
      if (!new Runs(written, null, baseLimit, size, 0).holeBefore(size)) {
        r = held.ingest(content);
      } else {
        r = storeRuns(held, content, size, written, null, 0, baseLimit);
      }
    } else {
      ManifestReader oldReader = ManifestReader.open(oldTrees, old, 0);
      long changeStart = Long.MAX_VALUE;
      long changeEnd = 0;
      for (RangeSet.Range w : written.ranges()) {
        changeStart = Math.min(changeStart, w.start());
        changeEnd = Math.max(changeEnd, w.end());
      }
      long delta = size - baseSize;
      if (delta != 0 || baseLimit < baseSize) {
        changeStart = Math.min(changeStart, Math.min(baseLimit, size));
        changeEnd = size;
      }
      changeStart = Math.min(changeStart, changeEnd);
      if (!new Runs(written, oldReader, baseLimit, size, changeStart).holeBefore(changeEnd)) {
        r = held.reingest(oldTrees, old, content, changeStart, changeEnd, delta);
      } else {
        r = storeRuns(held, content, size, written, oldReader, changeStart, baseLimit);
      }
    }
    ingestedBytes.addAndGet(r.bytesRead());
    return r;
  }

  /**
   * Ingests the content keeping the base's extents before {@code keep} and telling a session each
   * run from there: data is read from {@code content}, holes never.
   */
  private IngestResult storeRuns(
      FileIngester held,
      FileChannel content,
      long size,
      RangeSet written,
      ManifestReader base,
      long keep,
      long baseLimit)
      throws IOException {
    IngestSession s = held.startSession(oldTrees, base == null ? null : base.ref(), keep, content);
    try {
      Runs runs = new Runs(written, base, baseLimit, size, keep);
      for (Runs.Run run = runs.next(); run != null; run = runs.next()) {
        if (run.hole()) {
          s.appendHole(run.length());
        } else {
          s.advance(run.end());
        }
      }
      return s.finish(size);
    } catch (IOException | RuntimeException e) {
      s.close();
      // Nothing reads the caller's content once this returns.
      s.ended().toCompletableFuture().handle((x, y) -> null).join();
      throw e;
    }
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
