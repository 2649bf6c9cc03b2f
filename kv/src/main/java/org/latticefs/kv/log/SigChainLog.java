package org.latticefs.kv.log;

import java.io.EOFException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.UUID;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One author's chain of {@link SignedEntry}s for one store, in one append-only file.
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
 * <h2>Opening and crashes</h2>
 *
 * {@link #open} reads the whole file and checks every frame: checksum, canonical decoding, store
 * id, author, seq contiguity from 1, the {@code prev} hash link, and the Ed25519 signature (the
 * signature only past the verified checkpoint, below). A frame that is cut short or fails its
 * checksum is a <em>torn tail</em> (an append interrupted by a crash) if no intact frame of a later
 * append follows it: the file is truncated there (logged as a warning with the byte count) and
 * every complete entry before it is kept. If an intact frame of a later append follows (that append
 * only started after this one was durable), the damage is corruption in the middle and {@code open}
 * fails with a {@link KvException}: nothing is dropped silently. Damage to an intact-checksum frame
 * (bad signature, broken link) is always an error. Damage inside the last append's own frames
 * cannot be told apart from an interrupted write and is treated as a torn tail.
 *
 * <h2>Verified checkpoint</h2>
 *
 * Verifying signatures is the cost of opening (a few thousand per second per core, against a few
 * hundred thousand frames read, checksummed, decoded and hashed), so the log keeps a small {@code
 * VerifiedCheckpoint} in {@code <file>.verified}: the seq up to which this node has verified the
 * signatures, the file offset where that entry's frame ends, and that entry's hash. {@link #open}
 * still reads, checksums, decodes and chain-checks every frame, but verifies signatures only for
 * entries after the checkpoint, and only if the checkpoint matches the file: its own CRC32C is
 * right, it does not reach past the end of the file, the frames up to its seq are intact, and the
 * entry at its seq hashes to the recorded hash and ends exactly at the recorded offset. Otherwise
 * (missing, corrupt, from another file, pointing past a truncated file) it is ignored with a
 * warning and every signature is verified, exactly as if there were none, and the checkpoint is
 * rewritten.
 *
 * <p>Why skipping those signatures is sound: the checkpoint is written only by this log, only for
 * entries it has verified on open or was handed by {@link #append} (whose contract is that the
 * caller signed them itself or verified their signatures), and only after they were fsynced. Each
 * entry names its predecessor's BLAKE3 hash, so the recorded hash of entry {@code seq} fixes the
 * content of all entries up to it: a prefix whose chain links and final hash match is the prefix
 * that was verified. The signature bytes, which the hash does not cover, are protected like every
 * other byte by the frame CRC32C. So the checkpoint guards against accidental damage (bit rot, torn
 * or lost writes, a stale or foreign checkpoint file), which it turns into a full verification,
 * never into accepting an unverified entry. It does not guard against someone who can rewrite the
 * data directory: they could rewrite the checkpoint too. That is the trust the materialized state
 * database already has (it is read back without re-verifying anything); entries from peers are
 * verified when ingested, before they reach a log. A stale checkpoint (behind the tip) costs only
 * the verification of the entries after it. It is rewritten on {@link #open} when that verified
 * entries past it, every {@value #CHECKPOINT_EVERY} appended entries (one small extra write and
 * fsync), and on {@link #close}; a failure to write it is logged and costs only time on the next
 * open.
 *
 * <h2>Durability</h2>
 *
 * {@link #append} returns after one {@code fsync} covering every entry it was given. The file is
 * created whole (header written to a temporary file, fsynced, linked into place, directory
 * fsynced). File I/O goes through {@link RandomAccessFile}, not an interruptible {@link
 * FileChannel}: interrupting a reader or the appender never closes the log under everyone else.
 *
 * <h2>Concurrency</h2>
 *
 * One appender at a time ({@code append} calls are serialized); any number of concurrent readers
 * ({@link #tip}, {@link #size}, {@link #get}, {@link #entriesAfter}), which never wait for an
 * append and see a prefix of the chain: once {@link #tip} shows an entry, {@link #get} finds it.
 * Readers share one read handle (each read of up to 1 MiB holds it briefly). The file is locked
 * ({@link FileChannel#tryLock}) while open: a second open of the same file, in this or another
 * process, fails. After {@link #close}, reads and appends throw {@link KvException}.
 *
 * <h2>Memory</h2>
 *
 * An index of 8 bytes per entry (seq to file offset); entries are read from disk on demand.
 */
public final class SigChainLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SigChainLog.class);

  private static final byte[] FILE_MAGIC = {'L', 'T', 'S', 'C', 'H', 'A', 'I', 'N'};
  static final int HEADER_BYTES = 8 + 16 + NodeId.LENGTH;
  static final int FRAME_MAGIC = 0x4c544652; // "LTFR"
  static final int FRAME_OVERHEAD = 4 + 4 + 8 + 4;
  private static final int READ_CHUNK = 1 << 20;
  private static final int WRITE_CHUNK = 4 << 20;
  private static final int VERIFY_BATCH = 512;

  /** Appended entries after which the verified checkpoint is rewritten. */
  static final int CHECKPOINT_EVERY = 4096;

  private final Path file;
  private final UUID storeId;
  private final NodeId author;
  private final RandomAccessFile writer;
  private final RandomAccessFile reader;
  private final FileLock lock;
  private final Object appendLock = new Object();

  /** What readers see, replaced whole after each append. */
  private volatile View view;

  private volatile boolean closed;
  private String broken;

  /**
   * The view whose frames are all fsynced (the checkpoint never claims more); guarded by
   * appendLock.
   */
  private View synced;

  /** The checkpoint on disk, or null; guarded by appendLock. */
  private VerifiedCheckpoint checkpoint;

  /** Signatures verified by open (the rest were covered by the checkpoint). */
  private long signaturesVerifiedOnOpen;

  /**
   * The chain as of one moment: frame offsets by seq - 1 (valid below {@code count}), the tip, and
   * the end of the last frame.
   */
  private record View(long[] offsets, long count, ChainTip tip, long end) {}

  private SigChainLog(
      Path file,
      UUID storeId,
      NodeId author,
      RandomAccessFile writer,
      RandomAccessFile reader,
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
   * checking every entry, verifying the signatures of those not covered by a matching verified
   * checkpoint, and truncating a torn tail.
   *
   * @throws KvException if the file belongs to another store or author, is corrupt (see the class
   *     documentation), is locked by another open, or cannot be read
   */
  public static SigChainLog open(Path file, UUID storeId, NodeId author) throws KvException {
    Objects.requireNonNull(storeId, "storeId");
    Objects.requireNonNull(author, "author");
    RandomAccessFile writer = null;
    RandomAccessFile reader = null;
    try {
      if (!Files.exists(file)) {
        create(file, storeId, author);
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
      SigChainLog log = new SigChainLog(file, storeId, author, writer, reader, lock);
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

  /** Sets the view from the file, using and then updating the verified checkpoint. */
  private void recover() throws IOException {
    VerifiedCheckpoint found = VerifiedCheckpoint.read(file).orElse(null);
    if (found == null && Files.exists(VerifiedCheckpoint.fileOf(file))) {
      LOG.warn("log {}: ignoring a malformed verified checkpoint; verifying every signature", file);
    }
    Recovery r = new Recovery(found);
    View v = r.run();
    if (v == null) {
      LOG.warn(
          "log {}: ignoring the verified checkpoint (seq {}, offset {}): {}; verifying every"
              + " signature",
          file,
          found.seq(),
          found.end(),
          r.checkpointProblem);
      found = null;
      r = new Recovery(null);
      v = r.run();
    }
    // A crashed process may have left frames in the page cache only: sync before any checkpoint.
    writer.getFD().sync();
    view = v;
    synced = v;
    signaturesVerifiedOnOpen = r.signaturesVerified;
    checkpoint = found;
    if (v.count() == 0) {
      VerifiedCheckpoint.delete(file);
    } else {
      writeCheckpoint(v);
    }
  }

  /**
   * Records that the entries of {@code v} are verified, unless the checkpoint already covers them.
   */
  private void writeCheckpoint(View v) {
    if (v.count() == 0 || (checkpoint != null && checkpoint.seq() >= v.count())) {
      return;
    }
    VerifiedCheckpoint c = new VerifiedCheckpoint(v.end(), v.count(), v.tip().hash());
    try {
      c.write(file);
      checkpoint = c;
    } catch (IOException e) {
      LOG.warn(
          "log {}: cannot write the verified checkpoint (the next open verifies more signatures):"
              + " {}",
          file,
          e.toString());
    }
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

  private static void create(Path file, UUID storeId, NodeId author) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName(), ".tmp");
    try {
      ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES);
      header.put(FILE_MAGIC);
      header.putLong(storeId.getMostSignificantBits()).putLong(storeId.getLeastSignificantBits());
      header.put(author.publicKey());
      header.flip();
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        while (header.hasRemaining()) {
          ch.write(header);
        }
        ch.force(true);
      }
      try {
        Files.createLink(file, tmp);
      } catch (FileAlreadyExistsException raced) {
        return; // Another opener created it first; its header is checked on open.
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true);
    }
  }

  public Path file() {
    return file;
  }

  /**
   * The verified checkpoint file kept beside the log at {@code logFile} (see the class
   * documentation). It may be deleted while the log is closed: the next open then verifies every
   * signature and writes it again.
   */
  public static Path verifiedCheckpointOf(Path logFile) {
    return VerifiedCheckpoint.fileOf(logFile);
  }

  public UUID storeId() {
    return storeId;
  }

  public NodeId author() {
    return author;
  }

  /** The last entry, or empty if the chain is empty. */
  public Optional<ChainTip> tip() {
    return Optional.ofNullable(view.tip());
  }

  /** The number of entries (equal to the tip's seq). */
  public long size() {
    return view.count();
  }

  /** As {@link #append(List, boolean)} with {@code sync} true: durable on disk when it returns. */
  public void append(List<SignedEntry> entries) throws KvException {
    append(entries, true);
  }

  /**
   * Fsyncs every frame appended so far (a no-op when none is unsynced) and, if due, records the
   * verified checkpoint for them.
   *
   * @throws KvException on I/O failure (the log then refuses further appends) or if it is closed
   */
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
      if (v.count() - (checkpoint == null ? 0 : checkpoint.seq()) >= CHECKPOINT_EVERY) {
        writeCheckpoint(v);
      }
    }
  }

  /** Whether frames were appended since the last fsync. */
  public boolean hasUnsynced() {
    synchronized (appendLock) {
      return synced != view;
    }
  }

  /**
   * Appends {@code entries}, which must continue the chain in order: this store and author, seq
   * contiguous from the tip's + 1, each {@code prev} the previous entry's hash. With {@code sync},
   * durable on disk (one fsync for the whole list, covering every earlier unsynced append) when it
   * returns; without, the complete frames are written to the OS (they survive a crash of this
   * process, not a power loss, until {@link #sync()}). An empty list does nothing.
   *
   * <p>The signatures are NOT checked here, and this log records them as verified (see the class
   * documentation, "Verified checkpoint"): the caller passes entries it signed itself or whose
   * {@link SignedEntry#verifySignature()} it checked.
   *
   * @throws KvException if an entry does not continue the chain (nothing is written), on I/O
   *     failure (the file is cut back to the previous tip; if even that fails, the log refuses
   *     further appends), or if the log is closed
   */
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
      long seq = v.count();
      BlobRef prev = v.tip() == null ? Entry.GENESIS : v.tip().hash();
      long total = 0;
      for (SignedEntry s : entries) {
        Entry e = s.entry();
        String problem = null;
        if (!e.storeId().equals(storeId)) {
          problem = "store " + e.storeId() + " is not this log's store " + storeId;
        } else if (!e.author().equals(author)) {
          problem = "author " + e.author() + " is not this log's author " + author;
        } else if (e.seq() != seq + 1) {
          problem = "seq " + e.seq() + " does not follow " + seq;
        } else if (!e.prev().equals(prev)) {
          problem = "prev " + e.prev() + " is not the hash of entry " + seq + " (" + prev + ")";
        }
        if (problem != null) {
          throw new KvException("cannot append to " + file + ": " + problem + "; nothing written");
        }
        seq = e.seq();
        prev = s.hash();
        total += FRAME_OVERHEAD + s.wireLength();
      }
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
      if (!sync) {
        return;
      }
      synced = view;
      if (view.count() - (checkpoint == null ? 0 : checkpoint.seq()) >= CHECKPOINT_EVERY) {
        writeCheckpoint(view);
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
      int wire = s.wireLength();
      int frameLen = FRAME_OVERHEAD + wire;
      if (used + frameLen > buf.length) {
        writer.write(buf, 0, used);
        pos += used;
        used = 0;
        if (frameLen > buf.length) {
          buf = new byte[frameLen];
        }
      }
      index[firstIndex + i] = pos + used;
      putInt(buf, used, FRAME_MAGIC);
      putInt(buf, used + 4, wire);
      putLong(buf, used + 8, firstSeq);
      s.writeWire(buf, used + 16);
      crc.reset();
      crc.update(buf, used, 16 + wire);
      putInt(buf, used + 16 + wire, (int) crc.getValue());
      used += frameLen;
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

  /** The entry with {@code seq}, or empty if the chain has no such entry. */
  public Optional<SignedEntry> get(long seq) throws KvException {
    ensureOpen();
    View v = view;
    if (seq < 1 || seq > v.count()) {
      return Optional.empty();
    }
    long offset = v.offsets()[(int) (seq - 1)];
    try {
      byte[] head = new byte[16];
      readAt(offset, head, 0, 16);
      int len = getInt(head, 4);
      if (getInt(head, 0) != FRAME_MAGIC || len <= 0 || len > SignedEntry.MAX_WIRE_BYTES) {
        throw new KvException("log " + file + ": bad frame header at offset " + offset);
      }
      byte[] frame = new byte[FRAME_OVERHEAD + len];
      readAt(offset, frame, 0, frame.length);
      return Optional.of(checkFrame(frame, 0, offset, seq));
    } catch (IOException e) {
      throw wrapRead(e);
    }
  }

  /**
   * The entries after {@code seq} (all of them for 0), in seq order, up to the tip at the time of
   * this call, read lazily from disk (at most 1 MiB buffered). Each entry read back is checked
   * (checksum, decoding, seq, store, author, the prev link to the one before); signatures were
   * verified on open and are not again. Read failures surface as {@link UncheckedIOException}
   * wrapping a {@link KvException}. The stream holds no file resources; closing it is optional.
   */
  public Stream<SignedEntry> entriesAfter(long seq) throws KvException {
    ensureOpen();
    View v = view;
    long from = Math.max(seq, 0);
    if (from >= v.count()) {
      return Stream.empty();
    }
    Iterator<SignedEntry> it = new Reader(v.offsets()[(int) from], v.end(), from + 1, v.count());
    return StreamSupport.stream(
        Spliterators.spliterator(
            it,
            v.count() - from,
            Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.SIZED | Spliterator.IMMUTABLE),
        false);
  }

  private SignedEntry checkFrame(byte[] frame, int off, long fileOffset, long seq)
      throws KvException {
    int len = getInt(frame, off + 4);
    CRC32C crc = new CRC32C();
    crc.update(frame, off, 16 + len);
    if ((int) crc.getValue() != getInt(frame, off + 16 + len)) {
      throw new KvException(
          "log " + file + ": checksum mismatch reading entry " + seq + " at offset " + fileOffset);
    }
    SignedEntry s;
    try {
      s = SignedEntry.fromWire(frame, off + 16, len);
    } catch (MalformedEntryException e) {
      throw new KvException(
          "log " + file + ": undecodable entry " + seq + " at offset " + fileOffset, e);
    }
    Entry e = s.entry();
    if (e.seq() != seq || !e.storeId().equals(storeId) || !e.author().equals(author)) {
      throw new KvException(
          "log " + file + ": entry at offset " + fileOffset + " is not entry " + seq);
    }
    return s;
  }

  /** Reads exactly {@code len} bytes at {@code pos}. Thread-safe. */
  private void readAt(long pos, byte[] dst, int off, int len) throws IOException {
    synchronized (reader) {
      ensureOpen();
      reader.seek(pos);
      try {
        reader.readFully(dst, off, len);
      } catch (EOFException e) {
        throw new KvException("log " + file + ": unexpected end of file reading at " + pos, e);
      }
    }
  }

  private KvException wrapRead(IOException e) {
    if (e instanceof KvException k) {
      return k;
    }
    return new KvException("reading log " + file + " failed: " + e, e);
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("log " + file + " is closed");
    }
  }

  /**
   * Syncs the unsynced appends, records the verified checkpoint and releases the file. Idempotent.
   * Entries appended before are durable (if the sync fails, the checkpoint is not written).
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
          writeCheckpoint(view);
        }
      }
      synchronized (reader) {
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
  }

  @Override
  public String toString() {
    return "SigChainLog[" + file + ", " + view.count() + " entries]";
  }

  /** Sequential, buffered reading of frames for entriesAfter. */
  private final class Reader implements Iterator<SignedEntry> {
    private final Window window;
    private long pos;
    private long nextSeq;
    private final long lastSeq;
    private BlobRef prevHash;

    Reader(long pos, long end, long firstSeq, long lastSeq) {
      this.window = new Window(end);
      this.pos = pos;
      this.nextSeq = firstSeq;
      this.lastSeq = lastSeq;
    }

    @Override
    public boolean hasNext() {
      return nextSeq <= lastSeq;
    }

    @Override
    public SignedEntry next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      try {
        int at = window.at(pos, 16);
        int len = getInt(window.bytes, at + 4);
        if (getInt(window.bytes, at) != FRAME_MAGIC
            || len <= 0
            || len > SignedEntry.MAX_WIRE_BYTES) {
          throw new KvException("log " + file + ": bad frame header at offset " + pos);
        }
        at = window.at(pos, FRAME_OVERHEAD + len);
        SignedEntry s = checkFrame(window.bytes, at, pos, nextSeq);
        if (prevHash != null && !s.entry().prev().equals(prevHash)) {
          throw new KvException(
              "log " + file + ": entry " + nextSeq + " does not link to the entry before it");
        }
        prevHash = s.hash();
        pos += FRAME_OVERHEAD + len;
        nextSeq++;
        return s;
      } catch (IOException e) {
        throw new UncheckedIOException(wrapRead(e));
      }
    }
  }

  /** A read buffer over {@code [.., end)} of the file, refilled on demand. */
  private final class Window {
    private final long end;
    private byte[] bytes = new byte[0];
    private long start;
    private int length;

    Window(long end) {
      this.end = end;
    }

    /**
     * Makes {@code [pos, pos+n)} available in {@link #bytes} and returns its index there.
     *
     * @throws KvException if the range passes the end
     */
    int at(long pos, int n) throws IOException {
      if (pos >= start && pos + n <= start + length) {
        return (int) (pos - start);
      }
      if (pos + n > end) {
        throw new KvException("log " + file + ": frame at " + pos + " passes the end " + end);
      }
      int size = (int) Math.min(end - pos, Math.max(n, READ_CHUNK));
      if (bytes.length < size) {
        bytes = new byte[size];
      }
      readAt(pos, bytes, 0, size);
      start = pos;
      length = size;
      return 0;
    }
  }

  static int getInt(byte[] b, int off) {
    return (b[off] & 0xff) << 24
        | (b[off + 1] & 0xff) << 16
        | (b[off + 2] & 0xff) << 8
        | (b[off + 3] & 0xff);
  }

  static long getLong(byte[] b, int off) {
    return (getInt(b, off) & 0xffffffffL) << 32 | (getInt(b, off + 4) & 0xffffffffL);
  }

  static void putInt(byte[] b, int off, int v) {
    b[off] = (byte) (v >>> 24);
    b[off + 1] = (byte) (v >>> 16);
    b[off + 2] = (byte) (v >>> 8);
    b[off + 3] = (byte) v;
  }

  static void putLong(byte[] b, int off, long v) {
    putInt(b, off, (int) (v >>> 32));
    putInt(b, off + 4, (int) v);
  }

  /**
   * Reads and verifies the file on open; truncates a torn tail. Signatures of the entries a
   * checkpoint covers are not verified, provided the file matches it.
   */
  private final class Recovery {
    private final long size;
    private final Window window;
    private final VerifiedCheckpoint trusted;
    private String checkpointProblem;
    private long signaturesVerified;

    /** {@code trusted}: the checkpoint to rely on, or null to verify every signature. */
    Recovery(VerifiedCheckpoint trusted) throws IOException {
      this.size = reader.length();
      this.window = new Window(size);
      this.trusted = trusted;
    }

    /**
     * The chain in the file, or null (with {@link #checkpointProblem} set, nothing modified) if the
     * file does not match the trusted checkpoint.
     */
    View run() throws IOException {
      checkHeader();
      if (trusted != null && trusted.end() > size) {
        checkpointProblem = "it covers " + trusted.end() + " bytes, the file has " + size;
        return null;
      }
      long[] offsets = new long[1024];
      long count = 0;
      ChainTip tip = null;
      BlobRef prev = Entry.GENESIS;
      long pos = HEADER_BYTES;
      List<SignedEntry> pending = new ArrayList<>();
      List<Long> pendingOffsets = new ArrayList<>();
      long pendingBytes = 0;
      while (pos < size) {
        int bodyLength = intactFrameAt(pos);
        if (bodyLength < 0) {
          if (trusted != null && count < trusted.seq()) {
            checkpointProblem =
                "the frame of entry " + (count + 1) + " at offset " + pos + " is damaged";
            return null;
          }
          cutTornTail(pos, count + pending.size() + 1);
          break;
        }
        int at = window.at(pos, FRAME_OVERHEAD + bodyLength);
        SignedEntry s;
        try {
          s = SignedEntry.fromWire(window.bytes, at + 16, bodyLength);
        } catch (MalformedEntryException e) {
          throw corrupt(pos, "intact frame holds an invalid entry: " + e.getMessage());
        }
        Entry e = s.entry();
        long expected = count + pending.size() + 1;
        if (!e.storeId().equals(storeId)) {
          throw corrupt(pos, "entry of store " + e.storeId());
        }
        if (!e.author().equals(author)) {
          throw corrupt(pos, "entry by " + e.author());
        }
        if (e.seq() != expected) {
          throw corrupt(pos, "entry seq " + e.seq() + " where " + expected + " was expected");
        }
        if (!e.prev().equals(prev)) {
          throw corrupt(pos, "entry " + e.seq() + " does not link to entry " + (expected - 1));
        }
        prev = s.hash();
        tip = new ChainTip(e.seq(), s.hash(), e.hlc());
        long next = pos + FRAME_OVERHEAD + bodyLength;
        if (trusted != null && e.seq() <= trusted.seq()) {
          boolean matches =
              e.seq() == trusted.seq()
                  ? s.hash().equals(trusted.hash()) && next == trusted.end()
                  : next < trusted.end();
          if (!matches) {
            checkpointProblem =
                "entry " + e.seq() + " at offset " + pos + " does not match its hash or offset";
            return null;
          }
          offsets = ensure(offsets, count + 1);
          offsets[(int) count++] = pos;
          pos = next;
          continue;
        }
        pending.add(s);
        pendingOffsets.add(pos);
        pendingBytes += bodyLength;
        pos += FRAME_OVERHEAD + bodyLength;
        if (pending.size() >= VERIFY_BATCH || pendingBytes >= WRITE_CHUNK) {
          verifyAll(pending, pendingOffsets);
          offsets = ensure(offsets, count + pending.size());
          for (Long o : pendingOffsets) {
            offsets[(int) count++] = o;
          }
          pending.clear();
          pendingOffsets.clear();
          pendingBytes = 0;
        }
      }
      if (trusted != null && count < trusted.seq()) {
        checkpointProblem = "the file ends at entry " + count;
        return null;
      }
      verifyAll(pending, pendingOffsets);
      offsets = ensure(offsets, count + pending.size());
      for (Long o : pendingOffsets) {
        offsets[(int) count++] = o;
      }
      return new View(offsets, count, tip, pos);
    }

    /** The body length of the intact frame at {@code pos}, or -1 (short, bad magic or CRC). */
    private int intactFrameAt(long pos) throws IOException {
      if (size - pos < FRAME_OVERHEAD) {
        return -1;
      }
      int at = window.at(pos, 16);
      int len = getInt(window.bytes, at + 4);
      if (getInt(window.bytes, at) != FRAME_MAGIC
          || len <= 0
          || len > SignedEntry.MAX_WIRE_BYTES
          || size - pos < (long) FRAME_OVERHEAD + len) {
        return -1;
      }
      at = window.at(pos, FRAME_OVERHEAD + len);
      CRC32C crc = new CRC32C();
      crc.update(window.bytes, at, 16 + len);
      return (int) crc.getValue() == getInt(window.bytes, at + 16 + len) ? len : -1;
    }

    private void verifyAll(List<SignedEntry> entries, List<Long> at) throws KvException {
      signaturesVerified += entries.size();
      int bad = SignedEntry.firstInvalidSignature(entries);
      if (bad >= 0) {
        throw corrupt(
            at.get(bad), "entry " + entries.get(bad).entry().seq() + " has an invalid signature");
      }
    }

    private static long[] ensure(long[] a, long n) {
      return n <= a.length ? a : Arrays.copyOf(a, (int) Math.max(n, a.length * 2L));
    }

    private void checkHeader() throws IOException {
      if (size < HEADER_BYTES) {
        throw new KvException(
            "log " + file + " is corrupt: " + size + " bytes, shorter than its header");
      }
      byte[] b = new byte[HEADER_BYTES];
      readAt(0, b, 0, HEADER_BYTES);
      if (!Arrays.equals(b, 0, 8, FILE_MAGIC, 0, 8)) {
        throw new KvException("log " + file + " is not a Lattice chain log (bad magic)");
      }
      UUID sid = new UUID(getLong(b, 8), getLong(b, 16));
      if (!sid.equals(storeId)) {
        throw new KvException("log " + file + " belongs to store " + sid + ", not " + storeId);
      }
      if (!author.matches(b, 24)) {
        throw new KvException(
            "log " + file + " belongs to author " + NodeId.of(b, 24) + ", not " + author);
      }
    }

    private void cutTornTail(long pos, long expectedSeq) throws IOException {
      long later = findLaterAppend(pos + 1, expectedSeq);
      if (later >= 0) {
        throw corrupt(
            pos,
            "damaged frame for entry "
                + expectedSeq
                + ", followed by intact entries of a later append at offset "
                + later);
      }
      LOG.warn(
          "log {}: truncating a torn tail of {} bytes at offset {} (entry {} onwards was never"
              + " completely written)",
          file,
          size - pos,
          pos,
          expectedSeq);
      writer.setLength(pos);
      writer.getFD().sync();
    }

    /**
     * The offset of an intact frame at or after {@code from} written by an append that started
     * after entry {@code seq}, or -1.
     */
    private long findLaterAppend(long from, long seq) throws IOException {
      long p = from;
      while (size - p >= FRAME_OVERHEAD) {
        int n = (int) Math.min(READ_CHUNK, size - p);
        int at = window.at(p, n);
        int i = 0;
        for (; i + 4 <= n; i++) {
          if (getInt(window.bytes, at + i) == FRAME_MAGIC) {
            long candidate = p + i;
            if (intactFrameAt(candidate) >= 0
                && getLong(window.bytes, window.at(candidate, 16) + 8) > seq) {
              return candidate;
            }
            at = window.at(p, n);
          }
        }
        p += Math.max(1, i);
      }
      return -1;
    }

    private KvException corrupt(long offset, String what) {
      return new KvException(
          "log "
              + file
              + " is corrupt at offset "
              + offset
              + ": "
              + what
              + "; it was not modified");
    }
  }
}
