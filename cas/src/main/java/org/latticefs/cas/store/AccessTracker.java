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
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.zip.CRC32C;
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
 * A {@link #touch} is an in-memory update of a compact table ({@link AccessTable}, 50 to 100 bytes
 * per blob, no object per entry); it never writes to disk. Times have a granularity of one second,
 * and touching a blob twice in the same second changes nothing.
 *
 * <h2>For the garbage collector</h2>
 *
 * {@link #oldestFirst} gives eviction candidates. A store touches a blob whenever a receive finds
 * it already present (the ingest of a file that dedups against it), so a collector that spares
 * blobs used within a grace period never removes a blob an in-flight ingest is counting on.
 *
 * <h2>Persistence</h2>
 *
 * Backed by a snapshot file and an append-only journal beside it ({@code <file>.log}). {@link
 * #flush()} appends the entries changed since the previous flush to the journal and syncs it;
 * {@link #close()} writes a fresh snapshot atomically (temp file, sync, rename, directory sync) and
 * empties the journal; opening replays the journal over the snapshot and compacts both into a new
 * snapshot. The owner calls {@code flush()} periodically ({@link DiskBlobStore} does, every {@link
 * DiskBlobStore.Options#accessFlushInterval()}).
 *
 * <p><b>What survives a crash:</b> everything up to the last completed flush. Touches after it are
 * lost, so a blob may look as old as its previous flushed access, which only makes it a slightly
 * earlier eviction candidate. A torn journal tail is ignored. A snapshot that is unreadable
 * (truncated, bad checksum, wrong format) never prevents opening: it is logged, moved aside to
 * {@code <file>.corrupt-<millis>} and tracking starts empty (the store re-seeds every blob with its
 * file modification time).
 *
 * <p>Thread-safe. Out of scope: sharing one file between processes.
 */
public final class AccessTracker implements Closeable {
  private static final Logger LOG = LoggerFactory.getLogger(AccessTracker.class);

  /** Times are stored as seconds since this instant, in an int. */
  static final long EPOCH_SECOND = Instant.parse("2020-01-01T00:00:00Z").getEpochSecond();

  private static final byte[] SNAPSHOT_MAGIC = {'L', 'A', 'T', 'A', 'C', 'C', '0', '1'};
  private static final int ENTRY_BYTES = BlobRef.LENGTH + 4;
  private static final int SNAPSHOT_HEADER = SNAPSHOT_MAGIC.length;
  private static final long JOURNAL_COMPACT_BYTES = 16L << 20;

  /** Larger snapshot or journal files are rejected as corrupt (about 59 million blobs). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

  /** A blob and when it was last used. */
  public record Access(BlobRef ref, Instant lastAccess) {}

  private final AccessTable table = new AccessTable();
  private final InstantSource clock;
  private final Path file;
  private final Path journal;
  private final Object ioLock = new Object();
  private boolean closed;
  private boolean loadedSnapshot;

  /** Set by any change not yet in the snapshot file; lets close skip rewriting it. */
  private volatile boolean changed;

  private AccessTracker(InstantSource clock, Path file) {
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
   * Up to {@code limit} refs, least recently used first (ties in ref order). A consistent view of
   * each part of the table, not of the whole: touches made while it runs may or may not show. Costs
   * a sort of every tracked ref.
   */
  public List<Access> oldestFirst(int limit) {
    List<Access> out = new ArrayList<>();
    for (AccessTable.Entry e : table.oldestFirst(limit)) {
      out.add(new Access(e.ref(), decode(e.time())));
    }
    return out;
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
      ByteBuffer frame = ByteBuffer.allocate(4 + entries.length + 4);
      frame.putInt(count).put(entries);
      CRC32C crc = new CRC32C();
      crc.update(frame.array(), 0, 4 + entries.length);
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
      if (changed || Files.exists(journal) || !Files.exists(file)) {
        writeSnapshot();
      }
      closed = true;
    }
  }

  // ---- persistence ----

  private static final FileAttribute<?> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private static void writeEntry(DataOutputStream d, long[] k, int t) {
    try {
      for (long w : k) {
        d.writeLong(w);
      }
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
                  for (long w : k) {
                    buf.putLong(w);
                  }
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
      byte[] data = readLimited(file);
      readSnapshot(data);
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
      byte[] log = readLimited(journal);
      compact = true;
      replayJournal(log);
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
   * .access.*.tmp}) and those of earlier versions ({@code access.tmp}).
   */
  private void deleteLeftoverTemps() throws IOException {
    String name = file.getFileName().toString();
    Files.deleteIfExists(file.resolveSibling(name + ".tmp"));
    try (DirectoryStream<Path> ds =
        Files.newDirectoryStream(file.getParent(), "." + name + ".*.tmp")) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** Reads a whole file, refusing one too large to be ours (it is then treated as corrupt). */
  private static byte[] readLimited(Path p) throws IOException {
    long size = Files.size(p);
    if (size > MAX_FILE_BYTES) {
      throw new IOException(p + " is " + size + " bytes, more than " + MAX_FILE_BYTES);
    }
    return Files.readAllBytes(p);
  }

  private void readSnapshot(byte[] data) throws IOException {
    if (data.length < SNAPSHOT_HEADER + 4
        || !Arrays.equals(data, 0, SNAPSHOT_MAGIC.length, SNAPSHOT_MAGIC, 0, 8)) {
      throw new IOException("not an access snapshot (" + data.length + " bytes)");
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    int body = data.length - SNAPSHOT_HEADER - 4;
    if (body % ENTRY_BYTES != 0) {
      throw new IOException(
          "access snapshot length " + data.length + " is not a whole entry count");
    }
    int count = body / ENTRY_BYTES;
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length - 4);
    if ((int) crc.getValue() != b.getInt(data.length - 4)) {
      throw new IOException("access snapshot checksum mismatch");
    }
    b.position(SNAPSHOT_HEADER);
    long[] k = new long[4];
    for (int i = 0; i < count; i++) {
      for (int w = 0; w < 4; w++) {
        k[w] = b.getLong();
      }
      int t = b.getInt();
      if (t <= 0) {
        throw new IOException("access snapshot has a bad time at entry " + i);
      }
      table.put(k, t, false, false);
    }
  }

  private void replayJournal(byte[] log) {
    ByteBuffer b = ByteBuffer.wrap(log);
    long[] k = new long[4];
    int frames = 0;
    while (b.remaining() >= 8) {
      int start = b.position();
      int count = b.getInt();
      long len = (long) count * ENTRY_BYTES;
      if (count <= 0 || len + 4 > b.remaining()) {
        break;
      }
      CRC32C crc = new CRC32C();
      crc.update(log, start, 4 + (int) len);
      if ((int) crc.getValue() != b.getInt(start + 4 + (int) len)) {
        break;
      }
      for (int i = 0; i < count; i++) {
        for (int w = 0; w < 4; w++) {
          k[w] = b.getLong();
        }
        int t = b.getInt();
        if (t == 0) {
          table.remove(k, false);
        } else if (t > 0) {
          table.put(k, t, false, false);
        }
      }
      b.getInt();
      frames++;
    }
    if (b.hasRemaining()) {
      LOG.info(
          "access journal {}: ignored a torn tail of {} bytes after {} frames",
          journal,
          b.remaining(),
          frames);
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
