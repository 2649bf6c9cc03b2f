package org.latticefs.kv.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.CRC32C;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.VerifiedCheckpoint.Mark;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One author's chain of {@link SignedEntry}s for one store, in one append-only file: the {@link
 * ChainLog} on disk.
 *
 * <h2>File format</h2>
 *
 * Big-endian. A 56-byte header, then one frame per entry in seq order:
 *
 * <pre>
 * header:  8  magic and format version: "LTSCHAIN" (another format gets another magic)
 *         16  store id (UUID msb, lsb)
 *         32  author public key
 * frame:   4  frame magic "LTFR"
 *          4  B = body length, unsigned, 1..SignedEntry.MAX_WIRE_BYTES
 *          8  seq of the first entry of the append() call that wrote this frame
 *          B  body: SignedEntry wire form (length, canonical entry, signature)
 *          4  CRC32C of the 16 + B bytes before it
 * </pre>
 *
 * Beside it, {@code <file>.verified} ({@link VerifiedCheckpoint}) records how much of the file is
 * acknowledged: fsynced, and verified. Bytes cut from the end as a torn tail are kept in {@code
 * <file>.cut-at-<offset>}; an unusable checkpoint is moved to {@code <file>.verified.damaged}.
 *
 * <h2>Opening and crashes</h2>
 *
 * {@link #open} reads the whole file and checks every frame: checksum, canonical decoding, store
 * id, author, seq contiguity from 1, the {@code prev} hash link, and the Ed25519 signature (the
 * signature only past the acknowledged mark, below). A frame that is cut short or fails its
 * checksum is a <em>torn tail</em> (an append interrupted by a crash) only if all of these hold:
 *
 * <ul>
 *   <li>it lies after the acknowledged mark: only a tail written after the last recorded fsync can
 *       be torn; damage to an acknowledged entry is corruption;
 *   <li>no intact frame of a later append follows it (that append only started after this one was
 *       written);
 *   <li>the checkpoint is readable, or absent (a log written before checkpoints existed: then a
 *       damaged last append is taken for a torn tail, as it always was).
 * </ul>
 *
 * A torn tail is cut (the bytes saved beside the log, a warning logged with the byte count and
 * where they went) and every complete entry before it is kept. Anything else, and any damage to an
 * intact-checksum frame (bad signature, broken link), makes {@code open} fail with a {@link
 * CorruptLogException} naming the file, the offset and the first unreadable entry: the file is not
 * modified. So is a file that is shorter than its acknowledged mark, or whose entries do not match
 * it.
 *
 * <h2>Verified checkpoint</h2>
 *
 * Verifying signatures is the cost of opening (a few thousand per second per core, against a few
 * hundred thousand frames read, checksummed, decoded and hashed), so the mark also skips them: open
 * verifies signatures only for entries after it. Why that is sound: the mark is written only by
 * this log, only for entries it verified on open or was handed by {@link #append} (whose contract
 * is that the caller signed them itself or verified their signatures), and only after they were
 * fsynced. Each entry names its predecessor's BLAKE3 hash, so the recorded hash of entry {@code
 * seq} fixes the content of all entries up to it: a prefix whose chain links and final hash match
 * is the prefix that was verified. The signature bytes, which the hash does not cover, are
 * protected like every other byte by the frame CRC32C. A checkpoint that is missing or unreadable
 * means every signature is verified (and the checkpoint rewritten); one that does not match the
 * file refuses the open. It does not guard against someone who can rewrite the data directory: they
 * could rewrite the checkpoint too. That is the trust the materialized state database already has;
 * entries from peers are verified when ingested, before they reach a log.
 *
 * <h2>Durability</h2>
 *
 * {@link #append} with {@code sync} returns after one {@code fsync} covering every entry appended
 * so far, then records the new mark (in place, see {@link VerifiedCheckpoint} for how far it may
 * lag after a power loss). The file is created whole (header written to a temporary file, fsynced,
 * linked into place, directory fsynced). File I/O goes through {@link RandomAccessFile}, not an
 * interruptible {@link FileChannel}: interrupting a reader or the appender never closes the log
 * under everyone else.
 *
 * <h2>Concurrency</h2>
 *
 * As {@link ChainLog}. Readers share one read handle (each read of up to 1 MiB holds it briefly).
 * The file is locked ({@link FileChannel#tryLock}) while open: a second open of the same file, in
 * this or another process, fails.
 *
 * <h2>Memory</h2>
 *
 * An index of 8 bytes per entry (seq to file offset); entries are read from disk on demand.
 */
public final class SigChainLog implements ChainLog {
  private static final Logger LOG = LoggerFactory.getLogger(SigChainLog.class);

  static final int HEADER_BYTES = LogFrames.HEADER_BYTES;
  static final int FRAME_MAGIC = LogFrames.FRAME_MAGIC;
  static final int FRAME_OVERHEAD = LogFrames.FRAME_OVERHEAD;
  private static final int WRITE_CHUNK = 4 << 20;

  /** What the checkpoint's file name adds to the log's ({@link #verifiedCheckpointOf}). */
  public static final String CHECKPOINT_SUFFIX = VerifiedCheckpoint.SUFFIX;

  /** Entries after which the checkpoint file is forced to disk (it is updated at every sync). */
  static final int CHECKPOINT_EVERY = 4096;

  private final Path file;
  private final UUID storeId;
  private final NodeId author;
  private final RandomAccessFile writer;
  private final LogReader reader;
  private final FileLock lock;
  private final Object appendLock = new Object();

  /** What readers see, replaced whole after each append. */
  private volatile View view;

  private volatile boolean closed;
  private String broken;

  /** The view whose frames are all fsynced (the mark never claims more); guarded by appendLock. */
  private View synced;

  /** The acknowledged mark, or null if it could not be written; guarded by appendLock. */
  private VerifiedCheckpoint checkpoint;

  /** The seq the checkpoint file was last forced at; guarded by appendLock. */
  private long forcedSeq;

  /** Signatures verified by open (the rest were covered by the mark). */
  private long signaturesVerifiedOnOpen;

  /**
   * The chain as of one moment: frame offsets by seq - 1 (valid below {@code count}), the tip, and
   * the end of the last frame.
   */
  private record View(long[] offsets, long count, ChainTip tip, long end) {
    Mark mark() {
      return count == 0 ? Mark.empty() : new Mark(end, count, tip.hash());
    }
  }

  private SigChainLog(
      Path file,
      UUID storeId,
      NodeId author,
      RandomAccessFile writer,
      LogReader reader,
      FileLock lock) {
    this.file = file;
    this.storeId = storeId;
    this.author = author;
    this.writer = writer;
    this.reader = reader;
    this.lock = lock;
  }

  /**
   * Opens (creating if missing) the log of {@code author} in store {@code storeId} at {@code file},
   * checking every entry, verifying the signatures of those after the acknowledged mark, and
   * cutting a torn tail.
   *
   * @throws CorruptLogException if the file is damaged other than by a torn tail, belongs to
   *     another store or author, or does not match its checkpoint (nothing is modified)
   * @throws KvException if the file is locked by another open, or cannot be read
   */
  public static SigChainLog open(Path file, UUID storeId, NodeId author) throws KvException {
    Objects.requireNonNull(storeId, "storeId");
    Objects.requireNonNull(author, "author");
    RandomAccessFile writer = null;
    RandomAccessFile reader = null;
    try {
      if (!Files.exists(file)) {
        NewLogFile.create(file, storeId, author);
      }
      writer = new RandomAccessFile(file.toFile(), "rw");
      FileLock lock;
      try {
        lock = writer.getChannel().tryLock();
      } catch (OverlappingFileLockException e) {
        throw new KvException("log " + file + " is already open in this process");
      }
      if (lock == null) {
        throw new KvException("log " + file + " is in use by another process");
      }
      reader = new RandomAccessFile(file.toFile(), "r");
      SigChainLog log =
          new SigChainLog(
              file, storeId, author, writer, new LogReader(file, storeId, author, reader), lock);
      log.recover();
      writer = null;
      reader = null;
      return log;
    } catch (KvException e) {
      throw e;
    } catch (IOException e) {
      throw new KvException("cannot open log " + file + ": " + e, e);
    } finally {
      closeQuietly(reader);
      closeQuietly(writer);
    }
  }

  /** Sets the view from the file, then brings the checkpoint up to it. */
  private void recover() throws IOException {
    VerifiedCheckpoint.Reading found = VerifiedCheckpoint.read(file, storeId, author);
    Mark ack = found instanceof VerifiedCheckpoint.Found f ? f.mark() : null;
    String unusable = found instanceof VerifiedCheckpoint.Unusable u ? u.why() : null;
    long size = reader.length();
    LogRecovery.Chain c =
        new LogRecovery(file, storeId, author, reader::readAt, size, ack, unusable).run();
    if (c.end() < size) {
      cutTornTail(c.end(), size, c.count() + 1);
    }
    // A crashed process may have left frames in the page cache only: sync before any mark.
    writer.getFD().sync();
    View v = new View(c.offsets(), c.count(), c.tip(), c.end());
    view = v;
    synced = v;
    signaturesVerifiedOnOpen = c.signaturesVerified();
    openCheckpoint(found, v);
  }

  private void openCheckpoint(VerifiedCheckpoint.Reading found, View v) {
    try {
      checkpoint = VerifiedCheckpoint.bringUpTo(file, storeId, author, found, v.mark());
      forcedSeq = v.count();
    } catch (IOException e) {
      closeCheckpointQuietly();
      LOG.error(
          "log {}: cannot write its checkpoint (the next open verifies every signature and cannot"
              + " tell a torn tail from damage): {}",
          file,
          e.toString());
    }
  }

  /** Saves the bytes {@code [from, size)} beside the log, then cuts them off. */
  private void cutTornTail(long from, long size, long firstSeq) throws IOException {
    Path saved = DamagedFiles.saveCut(file, from, size - from, reader::readAt);
    LOG.warn(
        "log {}: cut a torn tail of {} bytes at offset {} (entry {} onwards was never completely"
            + " written); the bytes are kept in {}",
        file,
        size - from,
        from,
        firstSeq,
        saved);
    writer.setLength(from);
    writer.getFD().sync();
  }

  /** How many signatures the open of this log verified (test hook). */
  long signaturesVerifiedOnOpen() {
    return signaturesVerifiedOnOpen;
  }

  private static void closeQuietly(RandomAccessFile f) {
    if (f != null) {
      try {
        f.close();
      } catch (IOException e) {
        LOG.warn("closing a log after a failed open: {}", e.toString());
      }
    }
  }

  private void closeCheckpointQuietly() {
    if (checkpoint != null) {
      try {
        checkpoint.close();
      } catch (IOException e) {
        LOG.warn("log {}: closing its checkpoint: {}", file, e.toString());
      }
      checkpoint = null;
    }
  }

  public Path file() {
    return file;
  }

  /**
   * The checkpoint file kept beside the log at {@code logFile} (see the class documentation). If it
   * is deleted while the log is closed, the next open verifies every signature and writes it again,
   * but can no longer tell a torn tail of the last append from damage to it.
   */
  public static Path verifiedCheckpointOf(Path logFile) {
    return VerifiedCheckpoint.fileOf(logFile);
  }

  @Override
  public UUID storeId() {
    return storeId;
  }

  @Override
  public NodeId author() {
    return author;
  }

  @Override
  public Optional<ChainTip> tip() {
    return Optional.ofNullable(view.tip());
  }

  @Override
  public long size() {
    return view.count();
  }

  /**
   * {@inheritDoc}
   *
   * <p>Also records the acknowledged mark for them (see the class documentation).
   *
   * @throws KvException on I/O failure (the log then refuses further appends) or if it is closed
   */
  @Override
  public void sync() throws KvException {
    synchronized (appendLock) {
      ensureOpen();
      View v = view;
      if (synced == v) {
        return;
      }
      try {
        writer.getFD().sync();
      } catch (IOException e) {
        broken = "fsync failed: " + e;
        LOG.error("log {} is unusable until reopened: {}", file, broken);
        throw new KvException("sync of " + file + " failed: " + e, e);
      }
      synced = v;
      recordMark(v, false);
    }
  }

  /**
   * Records that {@code v} is acknowledged; forces the file if due, or if asked and a mark was
   * recorded since the last force. Never throws.
   */
  private void recordMark(View v, boolean force) {
    if (checkpoint == null) {
      return;
    }
    try {
      if (v.count() > checkpoint.mark().seq()) {
        checkpoint.record(v.mark());
      }
      long unforced = v.count() - forcedSeq;
      if (force && unforced > 0 || unforced >= CHECKPOINT_EVERY) {
        checkpoint.force();
        forcedSeq = v.count();
      }
    } catch (IOException e) {
      LOG.warn(
          "log {}: cannot record its acknowledged mark (it lags; the next open verifies more"
              + " signatures): {}",
          file,
          e.toString());
    }
  }

  @Override
  public boolean hasUnsynced() {
    synchronized (appendLock) {
      return synced != view;
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>The signatures are NOT checked here, and this log records them as verified (see the class
   * documentation, "Verified checkpoint"). On an I/O failure the file is cut back to the previous
   * tip; if even that fails, the log refuses further appends.
   */
  @Override
  public void append(List<SignedEntry> entries, boolean sync) throws KvException {
    if (entries.isEmpty()) {
      return;
    }
    synchronized (appendLock) {
      ensureOpen();
      if (broken != null) {
        throw new KvException("log " + file + " refuses appends after a failed write: " + broken);
      }
      View v = view;
      ChainContinuity.check(file.toString(), storeId, author, v.tip(), entries);
      long total = LogFrames.framesLength(entries);
      long[] index = v.offsets();
      long n = v.count();
      if (n + entries.size() > index.length) {
        index = Arrays.copyOf(index, (int) Math.max(n + entries.size(), index.length * 2L));
      }
      try {
        writeFrames(entries, v.end(), total, index, (int) n);
        if (sync) {
          writer.getFD().sync();
        }
      } catch (IOException e) {
        rollBack(v.end(), e);
        throw new KvException("append to " + file + " failed: " + e, e);
      }
      SignedEntry last = entries.get(entries.size() - 1);
      view =
          new View(
              index,
              n + entries.size(),
              new ChainTip(last.entry().seq(), last.hash(), last.entry().hlc()),
              v.end() + total);
      if (sync) {
        synced = view;
        recordMark(view, false);
      }
    }
  }

  /** Writes the frames from {@code start}, recording each frame's offset in {@code index}. */
  private void writeFrames(
      List<SignedEntry> entries, long start, long total, long[] index, int firstIndex)
      throws IOException {
    long firstSeq = entries.get(0).entry().seq();
    byte[] buf = new byte[(int) Math.min(total, WRITE_CHUNK)];
    int used = 0;
    long pos = start;
    writer.seek(start);
    CRC32C crc = new CRC32C();
    for (int i = 0; i < entries.size(); i++) {
      SignedEntry s = entries.get(i);
      int frameLen = LogFrames.frameLength(s);
      if (used + frameLen > buf.length) {
        writer.write(buf, 0, used);
        pos += used;
        used = 0;
        if (frameLen > buf.length) {
          buf = new byte[frameLen];
        }
      }
      index[firstIndex + i] = pos + used;
      used += LogFrames.writeFrame(buf, used, s, firstSeq, crc);
    }
    writer.write(buf, 0, used);
  }

  private void rollBack(long start, IOException cause) {
    try {
      writer.setLength(start);
      writer.getFD().sync();
    } catch (IOException e) {
      broken = cause + "; truncating back to " + start + " failed too: " + e;
      LOG.error("log {} is unusable until reopened: {}", file, broken);
    }
  }

  @Override
  public Optional<SignedEntry> get(long seq) throws KvException {
    ensureOpen();
    View v = view;
    if (seq < 1 || seq > v.count()) {
      return Optional.empty();
    }
    return Optional.of(reader.entryAt(v.offsets()[(int) (seq - 1)], seq));
  }

  /**
   * {@inheritDoc}
   *
   * <p>Read from disk with at most 1 MiB buffered; each entry read back is checked (checksum,
   * decoding, seq, store, author, the prev link to the one before); signatures were verified on
   * open and are not again. The stream holds no file resources.
   */
  @Override
  public Stream<SignedEntry> entriesAfter(long seq) throws KvException {
    ensureOpen();
    View v = view;
    long from = Math.max(seq, 0);
    if (from >= v.count()) {
      return Stream.empty();
    }
    Iterator<SignedEntry> it =
        reader.entries(v.offsets()[(int) from], v.end(), from + 1, v.count());
    return StreamSupport.stream(
        Spliterators.spliterator(
            it,
            v.count() - from,
            Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.SIZED | Spliterator.IMMUTABLE),
        false);
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("log " + file + " is closed");
    }
  }

  /**
   * Syncs the unsynced appends, records and forces the acknowledged mark and releases the file.
   * Idempotent. Entries appended before are durable (if the sync fails, the mark is not moved).
   */
  @Override
  public void close() throws KvException {
    synchronized (appendLock) {
      if (!closed) {
        try {
          sync();
        } catch (KvException e) {
          LOG.error("log {}: sync at close failed: {}", file, e.getMessage());
        }
        if (synced == view) {
          recordMark(view, true);
        }
        closeCheckpointQuietly();
      }
      if (closed) {
        return;
      }
      closed = true;
      try {
        lock.release();
        reader.close();
        writer.close();
      } catch (IOException e) {
        throw new KvException("closing log " + file + ": " + e, e);
      }
    }
  }

  @Override
  public String toString() {
    return "SigChainLog[" + file + ", " + view.count() + " entries]";
  }
}
