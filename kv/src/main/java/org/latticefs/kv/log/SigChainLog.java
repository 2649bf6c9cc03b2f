package org.latticefs.kv.log;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
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
 * {@link #open} reads the whole file and verifies every frame: checksum, canonical decoding, store
 * id, author, seq contiguity from 1, the {@code prev} hash link, and the Ed25519 signature. A frame
 * that is cut short or fails its checksum is a <em>torn tail</em> (an append interrupted by a
 * crash) if no intact frame of a later append follows it: the file is truncated there (logged as a
 * warning with the byte count) and every complete entry before it is kept. If an intact frame of a
 * later append follows (that append only started after this one was durable), the damage is
 * corruption in the middle and {@code open} fails with a {@link KvException}: nothing is dropped
 * silently. Damage to an intact-checksum frame (bad signature, broken link) is always an error.
 * Damage inside the last append's own frames cannot be told apart from an interrupted write and is
 * treated as a torn tail.
 *
 * <h2>Durability</h2>
 *
 * {@link #append} returns after one {@code fdatasync} covering every entry it was given. The file
 * is created whole (header written to a temporary file, fsynced, renamed, directory fsynced).
 *
 * <h2>Concurrency</h2>
 *
 * One appender at a time ({@code append} calls are serialized); any number of concurrent readers
 * ({@link #tip}, {@link #get}, {@link #entriesAfter}), which never block the appender and see a
 * prefix of the chain. The file is locked ({@link FileChannel#tryLock}) while open: a second open
 * of the same file, in this or another process, fails. After {@link #close}, reads and appends
 * throw.
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

  private final Path file;
  private final UUID storeId;
  private final NodeId author;
  private final FileChannel channel;
  private final FileLock lock;
  private final Object appendLock = new Object();

  private volatile long[] offsets;
  private volatile long count;
  private volatile ChainTip tip;
  private long end;
  private volatile boolean closed;
  private volatile String broken;

  private SigChainLog(
      Path file,
      UUID storeId,
      NodeId author,
      FileChannel channel,
      FileLock lock,
      long[] offsets,
      long count,
      ChainTip tip,
      long end) {
    this.file = file;
    this.storeId = storeId;
    this.author = author;
    this.channel = channel;
    this.lock = lock;
    this.offsets = offsets;
    this.count = count;
    this.tip = tip;
    this.end = end;
  }

  /**
   * Opens (creating if missing) the log of {@code author} in store {@code storeId} at {@code file},
   * verifying every entry and truncating a torn tail.
   *
   * @throws KvException if the file belongs to another store or author, is corrupt (see the class
   *     documentation), is locked by another open, or cannot be read
   */
  public static SigChainLog open(Path file, UUID storeId, NodeId author) throws KvException {
    Objects.requireNonNull(storeId, "storeId");
    Objects.requireNonNull(author, "author");
    FileChannel channel = null;
    try {
      if (!Files.exists(file)) {
        create(file, storeId, author);
      }
      channel = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      FileLock lock;
      try {
        lock = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        throw new KvException("log " + file + " is already open in this process");
      }
      if (lock == null) {
        throw new KvException("log " + file + " is in use by another process");
      }
      SigChainLog log = new Recovery(file, storeId, author, channel, lock).run();
      channel = null;
      return log;
    } catch (KvException e) {
      throw e;
    } catch (IOException e) {
      throw new KvException("cannot open log " + file + ": " + e, e);
    } finally {
      if (channel != null) {
        try {
          channel.close();
        } catch (IOException e) {
          LOG.warn("closing {} after a failed open: {}", file, e.toString());
        }
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
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
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

  public UUID storeId() {
    return storeId;
  }

  public NodeId author() {
    return author;
  }

  /** The last entry, or empty if the chain is empty. */
  public Optional<ChainTip> tip() {
    return Optional.ofNullable(tip);
  }

  /** The number of entries (equal to the tip's seq). */
  public long size() {
    return count;
  }

  /**
   * Appends {@code entries}, which must continue the chain in order: this store and author, seq
   * contiguous from the tip's + 1, each {@code prev} the previous entry's hash. Durable (one
   * fdatasync for the whole list) when it returns. An empty list does nothing.
   *
   * <p>The signatures are NOT checked here (they are on every {@link #open}): the caller passes
   * entries it signed itself or whose {@link SignedEntry#verifySignature()} it checked.
   *
   * @throws KvException if an entry does not continue the chain (nothing is written), on I/O
   *     failure (the file is cut back to the previous tip; if even that fails, the log refuses
   *     further appends), or if the log is closed
   */
  public void append(List<SignedEntry> entries) throws KvException {
    if (entries.isEmpty()) {
      return;
    }
    synchronized (appendLock) {
      ensureOpen();
      if (broken != null) {
        throw new KvException("log " + file + " refuses appends after a failed write: " + broken);
      }
      ChainTip last = tip;
      long seq = last == null ? 0 : last.seq();
      BlobRef prev = last == null ? Entry.GENESIS : last.hash();
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
      long firstSeq = entries.get(0).entry().seq();
      long[] newOffsets = new long[entries.size()];
      long start = end;
      try {
        writeFrames(entries, firstSeq, total, newOffsets, start);
        channel.force(false);
      } catch (IOException e) {
        rollBack(start, e);
        throw new KvException("append to " + file + " failed: " + e, e);
      }
      end = start + total;
      long[] index = offsets;
      long n = count;
      if (n + entries.size() > index.length) {
        index = Arrays.copyOf(index, (int) Math.max(n + entries.size(), index.length * 2L));
      }
      System.arraycopy(newOffsets, 0, index, (int) n, newOffsets.length);
      offsets = index;
      SignedEntry lastEntry = entries.get(entries.size() - 1);
      tip = new ChainTip(lastEntry.entry().seq(), lastEntry.hash(), lastEntry.entry().hlc());
      count = n + entries.size();
    }
  }

  private void writeFrames(
      List<SignedEntry> entries, long firstSeq, long total, long[] newOffsets, long start)
      throws IOException {
    int chunkLimit = 4 << 20;
    byte[] buf = new byte[(int) Math.min(total, chunkLimit)];
    int used = 0;
    long pos = start;
    CRC32C crc = new CRC32C();
    for (int i = 0; i < entries.size(); i++) {
      SignedEntry s = entries.get(i);
      int frameLen = FRAME_OVERHEAD + s.wireLength();
      if (used + frameLen > buf.length) {
        pos += writeFully(buf, used, pos);
        used = 0;
        if (frameLen > buf.length) {
          buf = new byte[frameLen];
        }
      }
      newOffsets[i] = pos + used;
      putInt(buf, used, FRAME_MAGIC);
      putInt(buf, used + 4, s.wireLength());
      putLong(buf, used + 8, firstSeq);
      s.writeWire(buf, used + 16);
      crc.reset();
      crc.update(buf, used, 16 + s.wireLength());
      putInt(buf, used + 16 + s.wireLength(), (int) crc.getValue());
      used += frameLen;
    }
    writeFully(buf, used, pos);
  }

  private int writeFully(byte[] buf, int len, long pos) throws IOException {
    ByteBuffer bb = ByteBuffer.wrap(buf, 0, len);
    while (bb.hasRemaining()) {
      pos += channel.write(bb, pos);
    }
    return len;
  }

  private void rollBack(long start, IOException cause) {
    try {
      channel.truncate(start);
      channel.force(false);
    } catch (IOException e) {
      broken = cause + "; truncating back to " + start + " failed too: " + e;
      LOG.error("log {} is unusable until reopened: {}", file, broken);
    }
  }

  /** The entry with {@code seq}, or empty if the chain has no such entry. */
  public Optional<SignedEntry> get(long seq) throws KvException {
    ensureOpen();
    long n = count;
    if (seq < 1 || seq > n) {
      return Optional.empty();
    }
    long[] index = offsets;
    try {
      return Optional.of(readEntry(index[(int) (seq - 1)], seq));
    } catch (IOException e) {
      throw wrapRead(e);
    }
  }

  /**
   * The entries after {@code seq} (all of them for 0), in seq order, up to the tip at the time of
   * this call, read lazily from disk. Each entry read back is checked (checksum, decoding, seq,
   * store, author, the prev link to the one before). Read failures surface as {@link
   * UncheckedIOException} wrapping a {@link KvException}. The stream holds no resources; closing it
   * is optional.
   */
  public Stream<SignedEntry> entriesAfter(long seq) throws KvException {
    ensureOpen();
    long n = count;
    long[] index = offsets;
    long from = Math.max(seq, 0);
    if (from >= n) {
      return Stream.empty();
    }
    Iterator<SignedEntry> it = new Reader(index[(int) from], from + 1, n);
    return StreamSupport.stream(
        Spliterators.spliterator(
            it,
            n - from,
            Spliterator.ORDERED | Spliterator.NONNULL | Spliterator.SIZED | Spliterator.IMMUTABLE),
        false);
  }

  private SignedEntry readEntry(long offset, long seq) throws IOException {
    ByteBuffer head = ByteBuffer.allocate(16);
    readFully(head, offset);
    int len = head.getInt(4);
    if (head.getInt(0) != FRAME_MAGIC || len <= 0 || len > SignedEntry.MAX_WIRE_BYTES) {
      throw new KvException("log " + file + ": bad frame header at offset " + offset);
    }
    byte[] frame = new byte[FRAME_OVERHEAD + len];
    readFully(ByteBuffer.wrap(frame), offset);
    return checkFrame(frame, 0, offset, seq);
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

  private void readFully(ByteBuffer dst, long pos) throws IOException {
    while (dst.hasRemaining()) {
      int r = channel.read(dst, pos);
      if (r < 0) {
        throw new KvException("log " + file + ": unexpected end of file at " + pos);
      }
      pos += r;
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

  /** Releases the file. Idempotent. Entries appended before are durable. */
  @Override
  public void close() throws KvException {
    synchronized (appendLock) {
      if (closed) {
        return;
      }
      closed = true;
      try {
        lock.release();
        channel.close();
      } catch (IOException e) {
        throw new KvException("closing log " + file + ": " + e, e);
      }
    }
  }

  @Override
  public String toString() {
    return "SigChainLog[" + file + ", " + count + " entries]";
  }

  /** Sequential, buffered reading of frames for entriesAfter. */
  private final class Reader implements Iterator<SignedEntry> {
    private long pos;
    private long nextSeq;
    private final long lastSeq;
    private BlobRef prevHash;
    private ByteBuffer buf = ByteBuffer.allocate(0);
    private long bufStart;

    Reader(long pos, long firstSeq, long lastSeq) {
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
        ensureOpen();
        int headAt = fill(pos, 16);
        int len = buf.getInt(headAt + 4);
        if (buf.getInt(headAt) != FRAME_MAGIC || len <= 0 || len > SignedEntry.MAX_WIRE_BYTES) {
          throw new KvException("log " + file + ": bad frame header at offset " + pos);
        }
        int at = fill(pos, FRAME_OVERHEAD + len);
        SignedEntry s = checkFrame(buf.array(), at, pos, nextSeq);
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

    /** Makes {@code [at, at+n)} of the file available in buf; returns its index in buf's array. */
    private int fill(long at, int n) throws IOException {
      if (at >= bufStart && at + n <= bufStart + buf.limit()) {
        return (int) (at - bufStart);
      }
      int size = Math.max(n, READ_CHUNK);
      if (buf.capacity() < size) {
        buf = ByteBuffer.allocate(size);
      }
      buf.clear();
      long limit = Math.min(end(), at + buf.capacity());
      buf.limit((int) (limit - at));
      if (buf.limit() < n) {
        throw new KvException("log " + file + ": unexpected end of file at " + at);
      }
      readFully(buf, at);
      buf.flip();
      bufStart = at;
      return 0;
    }
  }

  private long end() throws IOException {
    return channel.size();
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

  /** Reads and verifies a log file on open. */
  private static final class Recovery {
    private final Path file;
    private final UUID storeId;
    private final NodeId author;
    private final FileChannel channel;
    private final FileLock lock;
    private final long size;

    Recovery(Path file, UUID storeId, NodeId author, FileChannel channel, FileLock lock)
        throws IOException {
      this.file = file;
      this.storeId = storeId;
      this.author = author;
      this.channel = channel;
      this.lock = lock;
      this.size = channel.size();
    }

    SigChainLog run() throws IOException {
      checkHeader();
      long[] offsets = new long[1024];
      long count = 0;
      ChainTip tip = null;
      BlobRef prev = Entry.GENESIS;
      long pos = HEADER_BYTES;
      FrameScanner scanner = new FrameScanner(channel, size);
      List<SignedEntry> pending = new ArrayList<>();
      List<Long> pendingOffsets = new ArrayList<>();
      long pendingBytes = 0;
      while (pos < size) {
        FrameScanner.Frame frame = scanner.frameAt(pos);
        if (frame == null) {
          cutTornTail(pos, count + pending.size() + 1, scanner);
          break;
        }
        SignedEntry s;
        try {
          s = SignedEntry.fromWire(frame.bytes(), frame.bodyOffset(), frame.bodyLength());
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
        pending.add(s);
        pendingOffsets.add(pos);
        pendingBytes += frame.bodyLength();
        pos += FRAME_OVERHEAD + frame.bodyLength();
        if (pending.size() >= 512 || pendingBytes >= (16 << 20)) {
          verifyAll(pending, pendingOffsets);
          offsets = ensure(offsets, count + pending.size());
          for (int i = 0; i < pending.size(); i++) {
            offsets[(int) count++] = pendingOffsets.get(i);
          }
          pending.clear();
          pendingOffsets.clear();
          pendingBytes = 0;
        }
        tip = new ChainTip(e.seq(), s.hash(), e.hlc());
      }
      verifyAll(pending, pendingOffsets);
      offsets = ensure(offsets, count + pending.size());
      for (int i = 0; i < pending.size(); i++) {
        offsets[(int) count++] = pendingOffsets.get(i);
      }
      long end = Math.min(pos, channel.size());
      SigChainLog log =
          new SigChainLog(file, storeId, author, channel, lock, offsets, count, tip, end);
      return log;
    }

    private void verifyAll(List<SignedEntry> entries, List<Long> at) throws KvException {
      boolean ok =
          entries.size() < 16
              ? entries.stream().allMatch(SignedEntry::verifySignature)
              : entries.parallelStream().allMatch(SignedEntry::verifySignature);
      if (!ok) {
        for (int i = 0; i < entries.size(); i++) {
          if (!entries.get(i).verifySignature()) {
            throw corrupt(
                at.get(i), "entry " + entries.get(i).entry().seq() + " has an invalid signature");
          }
        }
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
      ByteBuffer h = ByteBuffer.allocate(HEADER_BYTES);
      while (h.hasRemaining()) {
        if (channel.read(h, h.position()) < 0) {
          throw new KvException("log " + file + ": unexpected end of file in header");
        }
      }
      byte[] b = h.array();
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

    private void cutTornTail(long pos, long expectedSeq, FrameScanner scanner) throws IOException {
      long later = scanner.findLaterAppend(pos + 1, expectedSeq);
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
      channel.truncate(pos);
      channel.force(true);
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

  /** Reads frames of a log file being recovered, through a large buffer. */
  private static final class FrameScanner {
    private final FileChannel channel;
    private final long size;
    private ByteBuffer buf = ByteBuffer.allocate(READ_CHUNK);
    private long bufStart;
    private int bufLen;

    record Frame(byte[] bytes, int bodyOffset, int bodyLength, long batchFirstSeq) {}

    FrameScanner(FileChannel channel, long size) {
      this.channel = channel;
      this.size = size;
    }

    /** The intact frame at {@code pos}, or null if there is none (short, bad magic or CRC). */
    Frame frameAt(long pos) throws IOException {
      if (size - pos < FRAME_OVERHEAD) {
        return null;
      }
      int at = window(pos, 16);
      byte[] a = buf.array();
      int len = getInt(a, at + 4);
      if (getInt(a, at) != FRAME_MAGIC
          || len <= 0
          || len > SignedEntry.MAX_WIRE_BYTES
          || size - pos < (long) FRAME_OVERHEAD + len) {
        return null;
      }
      at = window(pos, FRAME_OVERHEAD + len);
      a = buf.array();
      CRC32C crc = new CRC32C();
      crc.update(a, at, 16 + len);
      if ((int) crc.getValue() != getInt(a, at + 16 + len)) {
        return null;
      }
      return new Frame(a, at + 16, len, getLong(a, at + 8));
    }

    /**
     * The offset of an intact frame at or after {@code from} written by an append that started
     * after entry {@code seq}, or -1.
     */
    long findLaterAppend(long from, long seq) throws IOException {
      for (long p = from; p + FRAME_OVERHEAD <= size; ) {
        int at = window(p, (int) Math.min(READ_CHUNK, size - p));
        byte[] a = buf.array();
        int n = (int) Math.min(bufLen - at, size - p);
        int i = 0;
        for (; i + 4 <= n; i++) {
          if (getInt(a, at + i) == FRAME_MAGIC) {
            long candidate = p + i;
            Frame f = frameAt(candidate);
            if (f != null && f.batchFirstSeq() > seq) {
              return candidate;
            }
            at = window(p, (int) Math.min(READ_CHUNK, size - p));
            a = buf.array();
          }
        }
        p += Math.max(1, i);
      }
      return -1;
    }

    private int window(long pos, int n) throws IOException {
      if (pos >= bufStart && pos + n <= bufStart + bufLen) {
        return (int) (pos - bufStart);
      }
      if (buf.capacity() < n) {
        buf = ByteBuffer.allocate(n);
      }
      buf.clear();
      buf.limit((int) Math.min(buf.capacity(), size - pos));
      long p = pos;
      while (buf.hasRemaining()) {
        int r = channel.read(buf, p);
        if (r < 0) {
          break;
        }
        p += r;
      }
      bufStart = pos;
      bufLen = buf.position();
      if (bufLen < n) {
        throw new KvException("unexpected end of file at " + pos);
      }
      return 0;
    }
  }
}
