package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.IngestSession;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.FsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ContentWriter} that streams a file written strictly in order to cas while it is being
 * written, so that its commit only has the tail left; everything else it leaves to the {@link
 * StagedWriter} it wraps, which is also its fallback.
 *
 * <h2>Runs</h2>
 *
 * While the file is written strictly in order from the end of its base (a new or truncated file
 * from 0, or an append), the content is {@code base[0, keep)} followed by the run's bytes, all
 * final until the commit. The run's first {@link #STREAM_AFTER} bytes are staged; then a background
 * ingest session ({@link IngestSession}) starts, the staged part of the run is pushed to it, and so
 * is every later write of the run, as it arrives: the session chunks, hashes and stores while the
 * writer goes on. Its result is exactly the manifest an ordinary ingest of the same bytes gives,
 * committed with the same durability. At most {@link ContentIngest#MAX_SESSIONS} sessions run at
 * once; a run that finds none free stays staged.
 *
 * <p>With {@code streamWrites} (the default) a run's bytes past the session's start go to the
 * session only, so they reach the disk once (not also as staging pages that the blob store's syncfs
 * writes back). The session alone holds them until it stores them: anything that needs them (a read
 * of them, any other write, a truncate) first checkpoints the run (below). If the session fails
 * while holding them, they are gone: this writer then fails every read, write and store (EIO, or
 * ENOSPC for a full disk or quota) and the file keeps its committed version, as a local disk
 * reports a failed write-back at fsync or close. A pushing session waits for its writer
 * indefinitely. Without {@code streamWrites} the run's bytes are also staged: reads never need the
 * session, and a failed session only means the commit ingests the ordinary way.
 *
 * <h2>Checkpoints</h2>
 *
 * Every {@code checkpointBytes} of a run (1 GiB by default), and before anything that needs bytes
 * only the session holds, the session is finished: its version becomes the staged writer's base (in
 * cas, referenced by nothing until the commit), the staging is emptied, and the run goes on as an
 * append to it. So staging never holds more than about that much of a file however large it grows.
 * The version a commit stores is kept the same way until the commit succeeds, so a commit that
 * fails in the log can be retried with the bytes intact.
 *
 * <h2>Fallbacks</h2>
 *
 * Any other write, or a truncate, ends the run (after a checkpoint if the session holds bytes): the
 * staged writer holds the content from then on, until the next commit. A session that cannot start
 * or fails while the staging still has every byte is dropped (its blobs are garbage for the
 * collector; nothing references them), and the commit ingests the ordinary way.
 */
public final class StreamingWriter implements ContentWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StreamingWriter.class);

  /** Bytes of a run that are staged before it is streamed. */
  static final long STREAM_AFTER = 8L << 20;

  /** Sessions started for one run (a failed one, e.g. after a long pause, restarts). */
  private static final int MAX_SESSION_STARTS = 3;

  /** The size of the pieces the staged part of a run is pushed in. */
  private static final int PUSH_PIECE = 128 * 1024;

  private final StagedWriter staged;
  private final ContentIngest ingest;
  private final long checkpointBytes;
  private final boolean streamWrites;
  private final String what;
  private Run run;
  private boolean unordered;

  /** The end of a run whose bytes past the staged ones are held by its session; -1 if none. */
  private volatile long streamedEnd = -1;

  /** Where the bytes only a session holds start, while {@link #streamedEnd} is set. */
  private volatile long streamedFrom;

  /**
   * Set when a session failed after taking bytes that exist nowhere else: every later read, write
   * and store fails with it.
   */
  private FsException lost;

  /**
   * @param staged holds everything but a streamed run's pushed bytes; closed with this writer
   * @param checkpointBytes how much of a run is streamed before it is checkpointed
   * @param streamWrites whether a streamed run's bytes go to the session only (see above)
   * @param what the file, for messages ("inode 00ab…")
   */
  StreamingWriter(
      StagedWriter staged,
      ContentIngest ingest,
      long checkpointBytes,
      boolean streamWrites,
      String what) {
    this.staged = staged;
    this.ingest = ingest;
    this.checkpointBytes = checkpointBytes;
    this.streamWrites = streamWrites;
    this.what = what;
  }

  /**
   * A run of in-order writes: the content is {@code base[0, keep)} then the run's bytes up to
   * {@code end}. {@code session}, once started, has been pushed every byte of the run.
   */
  private static final class Run {
    final long keep;
    long end;
    IngestSession session;
    int starts;

    /** Where the bytes only the session holds start (streamWrites); -1 before. */
    long pushFrom = -1;

    Run(long keep) {
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

  @Override
  public long size() {
    long streamed = streamedEnd;
    return streamed >= 0 ? streamed : staged.size();
  }

  @Override
  public boolean changed() {
    return staged.changed();
  }

  @Override
  public long storedBytes() {
    long streamed = streamedEnd;
    long held = streamed >= 0 ? streamed - streamedFrom : 0;
    return Math.min(size(), staged.storedBytes() + held);
  }

  @Override
  public boolean readShared(long pos, int n) {
    Run q = run;
    return q == null || q.pushFrom < 0 || pos >= q.end || pos + n <= q.pushFrom;
  }

  @Override
  public int read(long pos, ByteBuffer dst) throws IOException {
    failIfLost();
    if (!readShared(pos, dst.remaining())) {
      settle();
    }
    return staged.read(pos, dst);
  }

  @Override
  public void write(long pos, ByteBuffer src) throws IOException {
    failIfLost();
    int n = src.remaining();
    Run q = run;
    if (q != null && q.pushFrom >= 0) {
      if (pos == q.end && n > 0) {
        push(q, src);
        return;
      }
      settle();
    }
    boolean startsRun = run == null && staged.appendsToBase(pos);
    int from = src.position();
    staged.write(pos, src);
    src.position(from);
    follow(pos, src, startsRun);
    src.position(src.limit());
  }

  @Override
  public void truncate(long newSize) throws IOException {
    failIfLost();
    if (newSize != size()) {
      settle();
      if (run != null) {
        // Before any write (open with O_TRUNC) the next write decides; during a run it ends it.
        breakRun();
      }
    }
    staged.truncate(newSize);
  }

  @Override
  public Version store() throws IOException {
    failIfLost();
    Run q = run;
    if (q != null && q.session != null) {
      finishRun(q);
    }
    return staged.store();
  }

  @Override
  public void committed(Version now) {
    if (run != null) {
      run.abandon();
      run = null;
    }
    unordered = false;
    streamedEnd = -1;
    staged.committed(now);
  }

  @Override
  public void close() throws IOException {
    breakRun();
    staged.close();
  }

  @Override
  public Kept keep(Path dir, String stem) throws IOException {
    long streamed = streamedEnd;
    long from = streamedFrom;
    breakRun();
    Kept k = staged.keep(dir, stem);
    if (streamed < 0 && lost == null) {
      return k;
    }
    String gone =
        streamed >= 0
            ? "bytes "
                + from
                + " to "
                + streamed
                + " were handed to a background ingest that"
                + " did not store them: they are not in this file\n"
            : "part of what was written was lost with a failed background ingest: "
                + lost.getMessage()
                + "\n";
    return new Kept(k.file(), k.description() + gone);
  }

  /**
   * After the staged write of {@code src} at {@code pos}: extends the run (pushing the bytes to its
   * session, if it has one), starts one, or ends it.
   */
  private void follow(long pos, ByteBuffer src, boolean startsRun) {
    int n = src.remaining();
    if (unordered || n == 0) {
      return;
    }
    Run q = run;
    if (q == null) {
      if (!startsRun) {
        unordered = true;
        return;
      }
      q = new Run(pos);
      run = q;
    } else if (pos != q.end) {
      breakRun();
      return;
    }
    q.end = pos + n;
    if (q.session != null && q.session.failed()) {
      q.abandon(); // e.g. a read error; the staging still has every byte, a new session may start
    }
    if (q.session != null) {
      try {
        q.session.push(src);
      } catch (IOException | RuntimeException e) {
        q.abandon();
        LOG.debug("background ingest of {} dropped at {}: {}", what, q.end, e.toString());
        return;
      }
      if (q.end - q.keep >= checkpointBytes) {
        checkpoint(q);
      }
    } else if (q.end - q.keep >= STREAM_AFTER && q.starts < MAX_SESSION_STARTS) {
      startSession(q);
    }
  }

  /**
   * Starts the run's session (if one is free) and pushes it what the run has staged so far. From
   * then on, with streamWrites, the run's bytes go to the session only.
   */
  private void startSession(Run q) {
    IngestSession s;
    try {
      s =
          ingest.startSession(
              staged.hold().receiving(), q.keep > 0 ? staged.baseManifest() : null, q.keep);
      if (s == null) {
        return; // every session is busy: the next write of the run tries again
      }
      q.starts++;
      pushStaged(s, q.keep, q.end);
    } catch (IOException | RuntimeException e) {
      q.abandon();
      q.starts = MAX_SESSION_STARTS;
      LOG.debug("no background ingest for {}: {}", what, e.toString());
      return;
    }
    q.session = s;
    if (streamWrites) {
      q.pushFrom = q.end;
      streamedFrom = q.end;
      streamedEnd = q.end;
    }
  }

  /** Pushes the staged bytes {@code [from, to)} to {@code s}, closing it if that fails. */
  private void pushStaged(IngestSession s, long from, long to) throws IOException {
    try {
      ByteBuffer buf = ByteBuffer.allocate(PUSH_PIECE);
      for (long p = from; p < to; ) {
        buf.clear().limit((int) Math.min(PUSH_PIECE, to - p));
        int n = staged.read(p, buf);
        if (n <= 0) {
          throw new IOException("staged run of " + what + " ends at " + p + " before " + to);
        }
        s.push(buf.flip());
        p += n;
      }
    } catch (IOException | RuntimeException e) {
      s.close();
      throw e;
    }
  }

  /** A write that continues a streamed run: the bytes go to the session only. */
  private void push(Run q, ByteBuffer src) throws IOException {
    int n = src.remaining();
    try {
      q.session.push(src);
    } catch (IOException | RuntimeException e) {
      throw lose(q, e);
    }
    q.end += n;
    streamedEnd = q.end;
    if (q.end - q.keep >= checkpointBytes) {
      checkpoint(q);
      failIfLost();
    }
  }

  /**
   * Before anything that needs the bytes only a session holds (a read of them, another write, a
   * truncate): checkpoints the run, so they are in cas and the base.
   */
  private void settle() throws IOException {
    Run q = run;
    if (q != null && q.pushFrom >= 0) {
      checkpoint(q);
      failIfLost();
    }
  }

  /**
   * Finishes the run's session at its end: the content so far becomes the staged writer's base (its
   * chunks and manifest durable in cas, referenced by nothing until the commit), the staging is
   * emptied, and the run goes on as an append to that base. The writer waits for the session to
   * catch up. If the session fails holding bytes only it had, they are lost (see {@link #lost});
   * otherwise the run goes on without it.
   */
  private void checkpoint(Run q) {
    IngestResult r;
    try {
      r = ingest.finish(q.session, q.end);
    } catch (IOException | RuntimeException e) {
      if (q.pushFrom >= 0) {
        lose(q, e);
        return;
      }
      q.abandon();
      q.starts = MAX_SESSION_STARTS;
      LOG.warn(
          "background ingest of {} failed at {} bytes; it is ingested on commit: {}",
          what,
          q.end,
          e.toString());
      return;
    }
    q.session = null;
    staged.rebase(new Version(q.end, r.manifest(), null));
    streamedEnd = -1;
    run = new Run(q.end);
  }

  /**
   * At a commit: stores the run's session's version as the staged writer's base if the session
   * covers exactly the content (then {@link StagedWriter#store} returns it), else drops the session
   * (the staged writer ingests the ordinary way). Either way the run ends here.
   */
  private void finishRun(Run q) throws IOException {
    long stagedTo = q.pushFrom >= 0 ? q.pushFrom : q.end;
    boolean exact = q.end == size() && staged.holdsOnly(q.keep, stagedTo);
    if (!exact && q.pushFrom >= 0) {
      // Cannot happen: every other change settles a streamed run first.
      throw lose(q, new IllegalStateException("a streamed run is not the whole change"));
    }
    if (!exact) {
      q.abandon();
    } else {
      checkpoint(q);
      failIfLost();
    }
    if (run != null) {
      run.abandon();
    }
    run = null;
    unordered = true;
  }

  /** Abandons the run until the next commit. */
  private void breakRun() {
    if (run != null) {
      run.abandon();
      run = null;
    }
    unordered = true;
  }

  /**
   * A session failed holding bytes that exist nowhere else: marks this writer lost (see {@link
   * #lost}) and returns the error to throw.
   */
  private FsException lose(Run q, Throwable cause) {
    q.abandon();
    run = null;
    unordered = true;
    lost =
        new FsException(
            FsErrors.isNoSpace(cause) ? Errno.ENOSPC : Errno.EIO,
            "storing "
                + what
                + " failed after byte "
                + q.pushFrom
                + "; what was written since its last commit is lost: "
                + cause);
    LOG.error(lost.getMessage(), cause);
    return lost;
  }

  private void failIfLost() throws FsException {
    if (lost != null) {
      throw new FsException(lost.errno(), lost.getMessage());
    }
  }
}
