package org.latticefs.cas.store;

import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobEnumerator;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * When each blob was last used, tracked by Lattice itself so that least-recently-used eviction
 * works on disks mounted {@code noatime}.
 *
 * <h2>Cost</h2>
 *
 * A {@link #touch} is an update of a compact table ({@link AccessTable}: 12-byte slots keyed by the
 * ref's first 8 bytes, about 16 to 24 bytes per blob, off the Java heap for a disk store); it never
 * writes to disk. Times have a granularity of one second, and touching a blob twice in the same
 * second changes nothing. At 10 million blobs the table takes about 200 MB of memory-mapped pages
 * and nothing of the heap; loading and saving stream (no whole file is read into memory).
 *
 * <h2>For eviction</h2>
 *
 * {@link #oldestFirst} gives the least recently used blobs among those a {@link BlobEnumerator}
 * lists (cache eviction, issue 12 part 2). Access times are never what keeps a blob from the
 * garbage collector: holds are ({@link org.latticefs.cas.Hold}).
 *
 * <h2>Persistence</h2>
 *
 * Backed by a snapshot file and an append-only journal beside it ({@code <file>.log}), formats
 * below. {@link #flush()} appends the entries changed since the previous flush to the journal and
 * syncs it; {@link #close()} writes a fresh snapshot atomically (temp file, sync, rename, directory
 * sync) and empties the journal; opening replays the journal over the snapshot and compacts both
 * into a new snapshot. The owner calls {@code flush()} periodically ({@link DiskBlobStore} does,
 * every {@link DiskBlobStore.Options#accessFlushInterval()}).
 *
 * <p><b>What survives a crash:</b> everything up to the last completed flush. Touches after it are
 * lost, so a blob may look as old as its previous flushed access, which only makes it a slightly
 * earlier eviction candidate. A torn journal tail is ignored. A snapshot that is unreadable
 * (truncated, bad checksum, wrong format) never prevents opening: it is logged, moved aside to
 * {@code <file>.corrupt-<millis>} and tracking starts empty (the store re-seeds every blob with its
 * file modification time).
 *
 * <pre>
 * snapshot: "LATACC02", n x (u64 key, i32 time), u32 CRC32C of everything before it
 * journal:  "LATACJ02", then frames: u32 count, count x (u64 key, i32 time; 0: forgotten),
 *           u32 CRC32C of the count and the entries
 * </pre>
 *
 * Version 1 files (full 32-byte refs: "LATACC01" snapshots, journals without a header) are read and
 * rewritten as version 2 on open.
 *
 * <p>Thread-safe. Out of scope: sharing one file between processes.
 */
public final class AccessTracker implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTracker.class);

  /** Times are stored as seconds since this instant, in an int. */
  static final long EPOCH_SECOND = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond();

  private static final byte[] SNAPSHOT_MAGIC = {'L', 'A', 'T', 'A', 'C', 'C', '0', '2'};
  private static final byte[] SNAPSHOT_MAGIC_V1 = {'L', 'A', 'T', 'A', 'C', 'C', '0', '1'};
  private static final byte[] JOURNAL_MAGIC = {'L', 'A', 'T', 'A', 'C', 'J', '0', '2'};
  private static final int ENTRY_BYTES = 8 + 4;
  private static final int ENTRY_BYTES_V1 = BlobRef.LENGTH + 4;
  private static final int SNAPSHOT_HEADER = SNAPSHOT_MAGIC.length;
  private static final long JOURNAL_COMPACT_BYTES = 16L << 20;

  /** Larger snapshot or journal files are rejected as corrupt (about 59 million blobs). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

  /** A blob and when it was last used. */
  public record Access(BlobRef ref, Instant lastAccess) {}

  private final AccessTable table;
  private final InstantSource clock;
  private final Path file;
  private final Path journal;
  private final Object ioLock = new Object();
  private boolean closed;
  private boolean loadedSnapshot;

  /** Set by any change not yet in the snapshot file; lets close skip rewriting it. */
  private volatile boolean changed;

  private AccessTracker(InstantSource clock, Path file) {
    this.table = new AccessTable(file == null ? null : file.getParent());
    this.clock = clock;
    this.file = file;
    this.journal = file == null ? null : file.resolveSibling(file.getFileName() + ".log");
  }

  /** A tracker that keeps nothing on disk (tests, {@link MemoryBlobStore}). */
  public static AccessTracker inMemory(InstantSource clock) {
    return new AccessTracker(clock, null);
  }

  /**
   * Opens the tracker persisted at {@code file} (created on the first snapshot if absent), replays
   * and compacts its journal. A corrupt snapshot is logged and set aside; it never fails the open.
   *
   * @throws IOException only if the compacted snapshot cannot be written
   */
  public static AccessTracker open(Path file, InstantSource clock) throws IOException {
    AccessTracker t = new AccessTracker(clock, file);
    t.load();
    return t;
  }

  /** Records that {@code ref} is used now. */
  public void touch(BlobRef ref) {
    touch(ref, clock.instant());
  }

  /** Records a use of {@code ref} at {@code when}; an older time than the one recorded is kept. */
  public void touch(BlobRef ref, Instant when) {
    if (table.put(AccessTable.key(ref), encode(when), false, true)) {
      changed = true;
    }
  }

  /** Records {@code when} for {@code ref} only if nothing is recorded for it yet. */
  public void touchIfAbsent(BlobRef ref, Instant when) {
    if (table.put(AccessTable.key(ref), encode(when), true, true)) {
      changed = true;
    }
  }

  /** When {@code ref} was last used (to the second), empty if never recorded or forgotten. */
  public Optional<Instant> lastAccess(BlobRef ref) {
    int t = table.get(AccessTable.key(ref));
    return t == 0 ? Optional.empty() : Optional.of(decode(t));
  }

  /** Drops {@code ref} (its blob was removed). Persisted by the next flush. */
  public void forget(BlobRef ref) {
    if (table.remove(AccessTable.key(ref), true)) {
      changed = true;
    }
  }

  /** How many refs have a recorded access. */
  public int size() {
    return table.size();
  }

  /**
   * Up to {@code limit} of the blobs {@code blobs} lists, least recently used first (ties in ref
   * order); blobs with no recorded access are left out. Touches made while it runs may or may not
   * show. Streams the enumeration and keeps only the {@code limit} oldest (a bounded heap).
   */
  public List<Access> oldestFirst(BlobEnumerator blobs, int limit) throws IOException {
    if (limit <= 0) {
      return List.of();
    }
    Comparator<Access> order = Comparator.comparing(Access::lastAccess).thenComparing(Access::ref);
    PriorityQueue<Access> newestOnTop = new PriorityQueue<>(order.reversed());
    Optional<BlobRef> after = Optional.empty();
    while (true) {
      List<BlobInfo> page = blobs.enumerate(after, 1024);
      if (page.isEmpty()) {
        break;
      }
      for (BlobInfo b : page) {
        int t = table.get(AccessTable.key(b.ref()));
        if (t == 0) {
          continue;
        }
        Access a = new Access(b.ref(), decode(t));
        if (newestOnTop.size() < limit) {
          newestOnTop.add(a);
        } else if (order.compare(a, newestOnTop.peek()) < 0) {
          newestOnTop.poll();
          newestOnTop.add(a);
        }
      }
      after = Optional.of(page.get(page.size() - 1).ref());
    }
    List<Access> out = new ArrayList<>(newestOnTop);
    out.sort(order);
    return out;
  }

  /** Bytes of the table's slots (off the heap for a tracker opened on a file). */
  public long tableBytes() {
    return table.slotBytes();
  }

  /**
   * Whether opening found a complete record of earlier accesses (a readable snapshot); false for a
   * new, in-memory, lost or damaged one, whose owner should re-seed it ({@link #touchIfAbsent}).
   */
  boolean loadedSnapshot() {
    return loadedSnapshot;
  }

  /**
   * Appends every change since the previous flush to the journal and syncs it. A no-op for an
   * in-memory tracker or when nothing changed.
   */
  public void flush() throws IOException {
    if (file == null) {
      return;
    }
    synchronized (ioLock) {
      if (closed) {
        return;
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      DataOutputStream d = new DataOutputStream(buf);
      int count = table.drainDirty((k, t) -> writeEntry(d, k, t));
      if (count == 0) {
        return;
      }
      byte[] entries = buf.toByteArray();
      boolean fresh = !Files.exists(journal) || Files.size(journal) == 0;
      int header = fresh ? JOURNAL_MAGIC.length : 0;
      ByteBuffer frame = ByteBuffer.allocate(header + 4 + entries.length + 4);
      if (fresh) {
        frame.put(JOURNAL_MAGIC);
      }
      frame.putInt(count).put(entries);
      CRC32C crc = new CRC32C();
      crc.update(frame.array(), header, 4 + entries.length);
      frame.putInt((int) crc.getValue()).flip();
      try (FileChannel ch =
          FileChannel.open(
              journal,
              Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
              OWNER_ONLY)) {
        while (frame.hasRemaining()) {
          ch.write(frame);
        }
        ch.force(false);
        if (ch.size() > JOURNAL_COMPACT_BYTES) {
          writeSnapshot();
        }
      }
    }
  }

  /** Writes a full snapshot atomically and empties the journal. */
  public void snapshot() throws IOException {
    if (file == null) {
      return;
    }
    synchronized (ioLock) {
      if (closed) {
        return;
      }
      writeSnapshot();
    }
  }

  /** Writes a final snapshot. Idempotent; touches after close are kept in memory only. */
  @Override
  public void close() throws IOException {
    synchronized (ioLock) {
      if (closed || file == null) {
        closed = true;
        return;
      }
      try {
        if (changed || Files.exists(journal) || !Files.exists(file)) {
          writeSnapshot();
        }
      } finally {
        closed = true;
        table.close();
      }
    }
  }

  // ---- persistence ----

  private static final FileAttribute<?> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private static void writeEntry(DataOutputStream d, long k, int t) {
    try {
      d.writeLong(k);
      d.writeInt(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void writeSnapshot() throws IOException {
    // Clear the dirty marks first: everything is in the snapshot below.
    changed = false;
    table.drainDirty(null);
    AtomicFile.write(
        file,
        ch -> {
          CRC32C crc = new CRC32C();
          ByteBuffer buf = ByteBuffer.allocate(1 << 16);
          buf.put(SNAPSHOT_MAGIC);
          IOException[] failed = {null};
          table.forEach(
              (k, t) -> {
                if (failed[0] != null) {
                  return;
                }
                try {
                  if (buf.remaining() < ENTRY_BYTES) {
                    writeOut(ch, buf, crc);
                  }
                  buf.putLong(k);
                  buf.putInt(t);
                } catch (IOException e) {
                  failed[0] = e;
                }
              });
          if (failed[0] != null) {
            throw failed[0];
          }
          if (buf.remaining() < 4) {
            writeOut(ch, buf, crc);
          }
          writeOut(ch, buf, crc);
          buf.putInt((int) crc.getValue()).flip();
          while (buf.hasRemaining()) {
            ch.write(buf);
          }
        });
    Files.deleteIfExists(journal);
  }

  private static void writeOut(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    buf.flip();
    crc.update(buf.array(), 0, buf.limit());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
  }

  private void load() throws IOException {
    Files.createDirectories(file.getParent());
    deleteLeftoverTemps();
    boolean compact = false;
    try {
      compact = !readSnapshot();
      loadedSnapshot = true;
    } catch (NoSuchFileException e) {
      // First open, or a lost file.
    } catch (IOException | RuntimeException e) {
      Path aside = file.resolveSibling(file.getFileName() + ".corrupt-" + clock.millis());
      LOG.warn(
          "access times in {} are unreadable ({}); starting fresh, moved it to {}",
          file,
          e.toString(),
          aside);
      table.clear();
      compact = true;
      try {
        Files.move(file, aside, StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException moveFailed) {
        LOG.warn("could not move {} aside: {}", file, moveFailed.toString());
      }
    }
    try {
      replayJournal();
      compact = true;
    } catch (NoSuchFileException e) {
      // Nothing flushed since the last snapshot.
    } catch (IOException e) {
      compact = true;
      LOG.warn("access journal {} is unreadable ({}); ignoring it", journal, e.toString());
    }
    if (compact) {
      writeSnapshot();
    }
    changed = false;
  }

  /**
   * Deletes the temp files of snapshots a crash interrupted: {@link AtomicFile}'s ({@code
   * .access.*.tmp}) and those of earlier versions ({@code access.tmp}), and table slots a crash
   * left between their creation and their unlinking.
   */
  private void deleteLeftoverTemps() throws IOException {
    String name = file.getFileName().toString();
    Files.deleteIfExists(file.resolveSibling(name + ".tmp"));
    for (String glob : List.of("." + name + ".*.tmp", "access-*.slots")) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(file.getParent(), glob)) {
        for (Path p : ds) {
          Files.deleteIfExists(p);
        }
      }
    }
  }

  /** Opens {@code f} for reading, refusing one larger than {@link #MAX_FILE_BYTES}. */
  private static FileChannel openBounded(Path f) throws IOException {
    FileChannel ch = FileChannel.open(f, StandardOpenOption.READ);
    long size = ch.size();
    if (size > MAX_FILE_BYTES) {
      ch.close();
      throw new IOException(f + " is " + size + " bytes, more than " + MAX_FILE_BYTES);
    }
    return ch;
  }

  /**
   * Streams the snapshot into the table, checking its checksum at the end (the caller clears the
   * table if this throws). Returns whether it was in the current format (false: rewrite it).
   */
  private boolean readSnapshot() throws IOException {
    try (FileChannel ch = openBounded(file)) {
      long size = ch.size();
      Reader in = new Reader(ch);
      if (size < SNAPSHOT_HEADER + 4) {
        throw new IOException("not an access snapshot (" + size + " bytes)");
      }
      byte[] magic = in.bytes(SNAPSHOT_HEADER);
      boolean v1 = Arrays.equals(magic, SNAPSHOT_MAGIC_V1);
      if (!v1 && !Arrays.equals(magic, SNAPSHOT_MAGIC)) {
        throw new IOException("not an access snapshot (" + size + " bytes)");
      }
      int entryBytes = v1 ? ENTRY_BYTES_V1 : ENTRY_BYTES;
      long body = size - SNAPSHOT_HEADER - 4;
      if (body % entryBytes != 0) {
        throw new IOException("access snapshot length " + size + " is not a whole entry count");
      }
      for (long i = 0, n = body / entryBytes; i < n; i++) {
        long k = in.entryKey(v1);
        int t = in.getInt();
        if (t <= 0) {
          throw new IOException("access snapshot has a bad time at entry " + i);
        }
        table.put(k, t, false, false);
      }
      int sum = (int) in.crc.getValue();
      if (sum != in.getInt()) {
        throw new IOException("access snapshot checksum mismatch");
      }
      return !v1;
    }
  }

  /**
   * Replays the journal's complete frames over the table: each frame's checksum is checked in a
   * first read before its entries are applied in a second, so a frame is applied whole or not at
   * all; a torn or damaged tail is ignored.
   */
  private void replayJournal() throws IOException {
    try (FileChannel ch = openBounded(journal)) {
      long size = ch.size();
      Reader in = new Reader(ch);
      long pos = 0;
      boolean v1 = true;
      if (size >= JOURNAL_MAGIC.length
          && Arrays.equals(in.bytes(JOURNAL_MAGIC.length), JOURNAL_MAGIC)) {
        v1 = false;
        pos = JOURNAL_MAGIC.length;
      }
      int entryBytes = v1 ? ENTRY_BYTES_V1 : ENTRY_BYTES;
      int frames = 0;
      while (size - pos >= 8) {
        in.seek(pos);
        in.crc.reset();
        int count = in.getInt();
        long len = (long) count * entryBytes;
        if (count <= 0 || len + 4 > size - pos - 4) {
          break;
        }
        in.skip(len);
        int sum = (int) in.crc.getValue();
        if (sum != in.getInt()) {
          break;
        }
        in.seek(pos + 4);
        for (int i = 0; i < count; i++) {
          long k = in.entryKey(v1);
          int t = in.getInt();
          if (t == 0) {
            table.remove(k, false);
          } else if (t > 0) {
            table.put(k, t, false, false);
          }
        }
        pos += 4 + len + 4;
        frames++;
      }
      if (pos < size) {
        LOG.info(
            "access journal {}: ignored a torn tail of {} bytes after {} frames",
            journal,
            size - pos,
            frames);
      }
    }
  }

  /** Buffered big-endian reads of a channel, with a running CRC32C of what was read. */
  private static final class Reader {
    private final FileChannel ch;
    private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
    final CRC32C crc = new CRC32C();
    private long filePos;

    Reader(FileChannel ch) {
      this.ch = ch;
      buf.limit(0);
    }

    void seek(long pos) {
      filePos = pos;
      buf.limit(0);
    }

    private void need(int n) throws IOException {
      if (buf.remaining() >= n) {
        return;
      }
      buf.compact();
      while (buf.position() < n) {
        int r = ch.read(buf, filePos);
        if (r < 0) {
          throw new java.io.EOFException("unexpected end of " + ch);
        }
        filePos += r;
      }
      buf.flip();
    }

    byte[] bytes(int n) throws IOException {
      need(n);
      byte[] b = new byte[n];
      buf.get(b);
      crc.update(b, 0, n);
      return b;
    }

    int getInt() throws IOException {
      need(4);
      int p = buf.position();
      crc.update(buf.array(), p, 4);
      return buf.getInt();
    }

    /** A key: a version 2 entry's u64, or the first 8 bytes of a version 1 entry's ref. */
    long entryKey(boolean v1) throws IOException {
      int n = v1 ? BlobRef.LENGTH : 8;
      need(n);
      int p = buf.position();
      crc.update(buf.array(), p, n);
      long k = buf.getLong();
      buf.position(p + n);
      return k;
    }

    void skip(long n) throws IOException {
      while (n > 0) {
        int step = (int) Math.min(n, buf.capacity());
        need(step);
        crc.update(buf.array(), buf.position(), step);
        buf.position(buf.position() + step);
        n -= step;
      }
    }
  }

  // ---- encoding ----

  private static int encode(Instant when) {
    long s = when.getEpochSecond() - EPOCH_SECOND;
    return (int) Math.max(1, Math.min(s, Integer.MAX_VALUE));
  }

  private static Instant decode(int t) {
    return Instant.ofEpochSecond(EPOCH_SECOND + t);
  }
}
