package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.fs.inode.Inode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link ContentWriter} that keeps writes at their own offsets over a base version and stores
 * them at commit, re-ingesting only around what changed.
 *
 * <h2>Staging</h2>
 *
 * Opening never copies the file. Written bytes go to {@link Staging} (memory for a small file, else
 * a sparse staging file), and {@code written} records which ranges it holds; every other byte below
 * {@code baseLimit} comes from the base version, and the rest up to the size reads as zeros (a hole
 * left by extending). {@link #store} hands cas a read-only {@link StagedView} of that (its own copy
 * of the ranges) and gets the new version back: a file of at most {@link Inode#MAX_INLINE} bytes
 * becomes inline bytes, a larger one a manifest, re-cut only around the changed range when the base
 * has a manifest ({@link ContentIngest#store}).
 *
 * <h2>Holes</h2>
 *
 * What was never written and lies past {@code baseLimit} (a file made longer by {@code truncate},
 * or written past its end) is a hole, and so is what lies in the base's holes: none of it is
 * staged, read or chunked, and the stored version lists it as holes ({@link Runs}). Truncating
 * costs nothing whatever the size; a commit costs what was written, not the size of the file.
 *
 * <h2>Base</h2>
 *
 * The base is the committed version, or a checkpoint ({@link #rebase}): a version stored in cas by
 * a {@link StreamingWriter} but not committed yet, which is then itself what {@link #store} returns
 * if nothing changed after it.
 */
public final class StagedWriter implements ContentWriter {
  private static final Logger LOG = LoggerFactory.getLogger(StagedWriter.class);

  private final Staging staging;
  private final RangeSet written = new RangeSet();
  private final ContentIngest ingest;
  private final ContentReaders readers;
  private final StoredBytes stored;
  private final AtomicLong pending;
  private final long readahead;
  private final String what;
  private final VersionHold hold;
  private volatile BaseContent base;
  private volatile long stagedBytes;
  private boolean baseUncommitted;
  private volatile long baseLimit;
  private volatile long size;
  private volatile boolean changed;

  /**
   * @param committed the file's committed version
   * @param staging where written bytes are kept (closed with this writer)
   * @param stored the stored bytes of versions (for {@link #storedBytes})
   * @param pending the bytes staged by every writer of the filesystem, not stored yet: this writer
   *     adds what it stages and takes it off again once it is stored or dropped
   * @param readahead the most a sequential read of the base fetches ahead
   * @param what the file, for messages ("inode 00ab…")
   */
  StagedWriter(
      Version committed,
      VersionHold hold,
      Staging staging,
      ContentIngest ingest,
      ContentReaders readers,
      StoredBytes stored,
      AtomicLong pending,
      long readahead,
      String what) {
    this.hold = hold;
    this.staging = staging;
    this.ingest = ingest;
    this.readers = readers;
    this.stored = stored;
    this.pending = pending;
    this.readahead = readahead;
    this.what = what;
    setBase(committed, false);
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public boolean changed() {
    return changed;
  }

  @Override
  public long storedBytes() {
    BaseContent b = base;
    long fromBase = Math.min(stored.of(b.version()), baseLimit);
    return Math.min(size, fromBase + stagedBytes);
  }

  @Override
  public boolean readShared(long pos, int n) {
    return true;
  }

  @Override
  public int read(long pos, ByteBuffer dst) throws IOException {
    return view(written).read(pos, dst);
  }

  @Override
  public void write(long pos, ByteBuffer src) throws IOException {
    int n = src.remaining();
    staging.write(src, pos);
    written.add(pos, pos + n);
    size = Math.max(size, pos + n);
    changed = true;
    account();
  }

  @Override
  public void truncate(long newSize) throws IOException {
    if (newSize < size) {
      written.clip(newSize);
      baseLimit = Math.min(baseLimit, newSize);
      staging.truncate(newSize);
    }
    size = newSize;
    changed = true;
    account();
  }

  @Override
  public Version store() throws IOException {
    long n = size;
    Version b = base.version();
    boolean sameAsBase = written.isEmpty() && baseLimit == b.size() && n == b.size();
    if (sameAsBase) {
      // Nothing written since a checkpoint: the checkpoint is the version.
      return baseUncommitted ? b : null;
    }
    if (n <= Inode.MAX_INLINE) {
      byte[] all = new byte[(int) n];
      read(0, ByteBuffer.wrap(all));
      return new Version(n, null, all);
    }
    ContentChannel content = new ContentChannel(view(written.copy()), n);
    IngestResult r = ingest.store(hold.receiving(), content, n, written.copy(), b, baseLimit);
    return new Version(n, r.manifest(), null);
  }

  @Override
  public void committed(Version now) {
    hold.committed(now);
    setBase(now, false);
    emptyStaging();
    changed = false;
  }

  @Override
  public void close() throws IOException {
    hold.close();
    written.clear();
    account();
    staging.close();
  }

  @Override
  public Kept keep(Path dir, String stem) throws IOException {
    Version b = base.version();
    StringBuilder d = new StringBuilder();
    d.append("size: ").append(size).append('\n');
    String baseText =
        b.manifest() != null
            ? "manifest " + b.manifest().hex()
            : b.inline() != null ? "inline bytes of the inode" : "empty";
    d.append("base: ")
        .append(baseText)
        .append(" (")
        .append(b.size())
        .append(" bytes, of which the first ")
        .append(baseLimit)
        .append(" are kept")
        .append(baseUncommitted ? "; stored in cas, never committed" : "")
        .append(")\n");
    d.append("written since the base (offset length, bytes at the same offsets in the file):\n");
    for (RangeSet.Range r : written.ranges()) {
      d.append("  ").append(r.start()).append(' ').append(r.length()).append('\n');
    }
    d.append("everything else: the base's bytes below its kept length, zeros beyond\n");
    if (written.isEmpty()) {
      return new Kept(null, d.toString());
    }
    Path target = dir.resolve(stem + ".staged");
    staging.moveTo(target);
    return new Kept(target, d.toString());
  }

  /** What this file's writes are held by until committed (shared with the streaming writer). */
  VersionHold hold() {
    return hold;
  }

  // ---------------------------------------------------------------- for StreamingWriter

  /**
   * Whether a write at {@code pos} appends to content that is all the base's: nothing written since
   * it, nothing cut from it, {@code pos} at its end, and the base stored as a manifest (or empty),
   * so a background ingest can keep its chunks.
   */
  boolean appendsToBase(long pos) {
    BlobRef manifest = base.version().manifest();
    return written.isEmpty() && pos == size && size == baseLimit && (size == 0 || manifest != null);
  }

  /** The base version's manifest (null if inline or empty). */
  BlobRef baseManifest() {
    return base.version().manifest();
  }

  /**
   * Whether the content is exactly the base's first {@code from} bytes followed by the bytes
   * written at {@code [from, to)} (nothing else written, nothing cut below {@code from}).
   */
  boolean holdsOnly(long from, long to) {
    if (baseLimit < from) {
      return false;
    }
    List<RangeSet.Range> ranges = written.ranges();
    if (from == to) {
      return ranges.isEmpty();
    }
    return ranges.size() == 1 && ranges.get(0).start() == from && ranges.get(0).end() == to;
  }

  /**
   * A checkpoint: {@code stored}, a version in cas that nothing references yet, becomes the base,
   * holding the whole content; the staging is emptied.
   */
  void rebase(Version stored) {
    setBase(stored, true);
    emptyStaging();
    changed = true;
  }

  private void setBase(Version v, boolean uncommitted) {
    base = new BaseContent(v, readers, readahead, what);
    baseUncommitted = uncommitted;
    baseLimit = v.size();
    size = v.size();
    written.clear();
    account();
  }

  /**
   * Keeps {@link #stagedBytes} and the filesystem's pending count up to date with {@code written}.
   */
  private void account() {
    long now = written.totalLength();
    long delta = now - stagedBytes;
    if (delta != 0) {
      stagedBytes = now;
      pending.addAndGet(delta);
    }
  }

  private void emptyStaging() {
    try {
      staging.truncate(0);
    } catch (IOException e) {
      // Its bytes are all in the base now; a staging file that did not shrink only takes space.
      LOG.warn("could not empty the staging file of {}: {}", what, e.toString());
    }
  }

  private StagedView view(RangeSet ranges) {
    return new StagedView(staging, ranges, base, baseLimit, size);
  }
}
