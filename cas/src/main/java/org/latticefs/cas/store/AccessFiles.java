package org.latticefs.cas.store;

import java.io.ByteArrayOutputStream;
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
import java.time.InstantSource;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an {@link AccessTable} on disk: a snapshot file and an append-only journal beside it
 * ({@code <file>.log}), read back into the table on open.
 *
 * <h2>Formats</h2>
 *
 * <pre>
 * snapshot: "LATACC02", n x (u64 key, i32 time), u32 CRC32C of everything before it
 * journal:  "LATACJ02", then frames: u32 count, count x (u64 key, i32 time; 0: forgotten),
 *           u32 CRC32C of the count and the entries
 * </pre>
 *
 * Version 1 files (full 32-byte refs: "LATACC01" snapshots, journals without a header) are read;
 * {@link #load} then rewrites them as version 2.
 *
 * <h2>Damage</h2>
 *
 * Decoding is bounded: a file over {@link #MAX_FILE_BYTES} is refused, a snapshot's entry count
 * follows from its length (so the table is sized once from it), and a journal frame's count is
 * checked against the bytes left before anything is read. A snapshot that is unreadable (truncated,
 * bad checksum, wrong format, a non-positive time) never prevents opening: {@link #load} logs it,
 * moves it aside to {@code <file>.corrupt-<millis>} and starts from an empty table. A journal frame
 * is applied whole or not at all; a torn or damaged tail is ignored.
 *
 * <p>Not thread-safe: {@link AccessTracker} serializes calls.
 */
final class AccessFiles {
  private static final Logger LOG = LoggerFactory.getLogger(AccessFiles.class);

  private static final byte[] SNAPSHOT_MAGIC = {'L', 'A', 'T', 'A', 'C', 'C', '0', '2'};
  private static final byte[] SNAPSHOT_MAGIC_V1 = {'L', 'A', 'T', 'A', 'C', 'C', '0', '1'};
  private static final byte[] JOURNAL_MAGIC = {'L', 'A', 'T', 'A', 'C', 'J', '0', '2'};
  private static final int ENTRY_BYTES = 8 + 4;
  private static final int ENTRY_BYTES_V1 = BlobRef.LENGTH + 4;
  private static final int SNAPSHOT_HEADER = SNAPSHOT_MAGIC.length;

  /** A journal past this size is compacted into a new snapshot at the flush that grew it. */
  static final long JOURNAL_COMPACT_BYTES = 16L << 20;

  /** Larger snapshot or journal files are rejected as corrupt (about 59 million blobs). */
  static final long MAX_FILE_BYTES = Integer.MAX_VALUE - 64;

  private static final FileAttribute<?> OWNER_ONLY =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"));

  private final Path file;
  private final Path journal;
  private final InstantSource clock;

  /**
   * @param file the snapshot; the journal is {@code <file>.log} beside it
   * @param clock names a damaged snapshot set aside
   */
  AccessFiles(Path file, InstantSource clock) {
    this.file = file;
    this.journal = file.resolveSibling(file.getFileName() + ".log");
    this.clock = clock;
  }

  /**
   * Fills the empty {@code table} from the snapshot and the journal, then compacts both into a new
   * snapshot if the journal held anything or the snapshot was damaged or of version 1. Deletes the
   * temp files a crash left. Returns whether a readable snapshot was found (false for a new, lost
   * or damaged one: its owner should re-seed the table).
   *
   * @throws IOException only if the directory cannot be made or the compacted snapshot written
   */
  boolean load(AccessTable table) throws IOException {
    Files.createDirectories(file.getParent());
    deleteLeftoverTemps();
    boolean loaded = false;
    boolean compact = false;
    try {
      compact = !readSnapshot(table);
      loaded = true;
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
      replayJournal(table);
      compact = true;
    } catch (NoSuchFileException e) {
      // Nothing flushed since the last snapshot.
    } catch (IOException e) {
      compact = true;
      LOG.warn("access journal {} is unreadable ({}); ignoring it", journal, e.toString());
    }
    if (compact) {
      writeSnapshot(table);
    }
    return loaded;
  }

  /**
   * Appends the table's changes since the last drain to the journal as one frame and syncs it.
   * Returns whether the journal has grown past {@link #JOURNAL_COMPACT_BYTES} (time for a
   * snapshot); false too when nothing changed.
   */
  boolean appendJournal(AccessTable table) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    DataOutputStream d = new DataOutputStream(buf);
    int count = table.drainDirty((k, t) -> writeEntry(d, k, t));
    if (count == 0) {
      return false;
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
            Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
            OWNER_ONLY)) {
      while (frame.hasRemaining()) {
        ch.write(frame);
      }
      ch.force(false);
      return ch.size() > JOURNAL_COMPACT_BYTES;
    }
  }

  /** Whether a snapshot is needed even without changes: a journal exists, or no snapshot does. */
  boolean stale() {
    return Files.exists(journal) || !Files.exists(file);
  }

  /**
   * Writes the whole table as a new snapshot atomically (temp file, sync, rename, directory sync),
   * clears its change marks and deletes the journal.
   */
  void writeSnapshot(AccessTable table) throws IOException {
    // Clear the dirty marks first: everything is in the snapshot below.
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

  private static void writeEntry(DataOutputStream d, long k, int t) {
    try {
      d.writeLong(k);
      d.writeInt(t);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void writeOut(FileChannel ch, ByteBuffer buf, CRC32C crc) throws IOException {
    buf.flip();
    crc.update(buf.array(), 0, buf.limit());
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
    buf.clear();
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
  private boolean readSnapshot(AccessTable table) throws IOException {
    try (FileChannel ch = openBounded(file)) {
      long size = ch.size();
      CrcReader in = new CrcReader(ch);
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
      table.expect(body / entryBytes);
      for (long i = 0, n = body / entryBytes; i < n; i++) {
        long k = in.entryKey(v1);
        int t = in.getInt();
        if (t <= 0) {
          throw new IOException("access snapshot has a bad time at entry " + i);
        }
        table.put(k, t, false, false);
      }
      int sum = in.crc();
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
  private void replayJournal(AccessTable table) throws IOException {
    try (FileChannel ch = openBounded(journal)) {
      long size = ch.size();
      CrcReader in = new CrcReader(ch);
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
        in.resetCrc();
        int count = in.getInt();
        long len = (long) count * entryBytes;
        if (count <= 0 || len + 4 > size - pos - 4) {
          break;
        }
        in.skip(len);
        int sum = in.crc();
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
}
