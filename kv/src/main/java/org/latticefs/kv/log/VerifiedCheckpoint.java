package org.latticefs.kv.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Objects;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.kv.NodeId;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What one {@link SigChainLog} has acknowledged: the first {@code seq} entries, which end at byte
 * {@code end} of the log file, the last of them hashing to {@code hash}, were fsynced and their
 * signatures verified. Kept in {@code <log>.verified} beside the log. Open uses it twice: damage
 * inside the acknowledged bytes is corruption, never a torn tail (an acknowledged entry is never
 * cut), and the acknowledged entries' signatures need not be verified again (see {@link
 * SigChainLog} for why that is sound).
 *
 * <h2>File format (version 2)</h2>
 *
 * Big-endian, exactly {@value #BYTES} bytes:
 *
 * <pre>
 *   0   8  magic and format version "LTSCVFY2"
 *   8  16  store id of the log (UUID msb, lsb)
 *  24  32  author of the log
 *  56   4  CRC32C of bytes 0..56
 *  60  60  slot 0 \  each: generation u64, end u64, seq u64 (0 = nothing yet),
 * 120  60  slot 1 /        hash of entry seq (32; zeros for seq 0), CRC32C of the 56 before
 * </pre>
 *
 * The valid slot with the higher generation holds the current mark. A new mark is written in place
 * into the other slot, after the log's fsync that made its entries durable, without an fsync of its
 * own: a torn slot write leaves the older slot, and a write lost in a power loss leaves an older
 * mark; both only claim less than was acknowledged, never more. The file is forced every {@link
 * SigChainLog#CHECKPOINT_EVERY} entries and at close, so after a power loss the mark lags the
 * acknowledged entries by at most that many (or by what the kernel had not yet written back, at
 * most about 30 seconds' worth); after a crash of the process only, it is exact.
 *
 * <p>Version 1 (written by earlier builds, 60 bytes: magic "LTSCVFY1", end, seq, hash, CRC32C, no
 * slots, no binding to the log) is read as one mark and replaced by version 2 on the next open.
 *
 * <p>{@link #read} never throws for a bad file: it reports it unusable, and reads at most {@value
 * #BYTES} + 1 bytes. The file is created whole ({@link AtomicFile}, mode 0600). Not thread-safe:
 * its log calls it under its append lock.
 */
final class VerifiedCheckpoint implements AutoCloseable {
  static final int BYTES = 180;
  static final int V1_BYTES = 8 + 8 + 8 + BlobRef.LENGTH + 4;
  private static final byte[] MAGIC = {'L', 'T', 'S', 'C', 'V', 'F', 'Y', '2'};
  private static final byte[] MAGIC_V1 = {'L', 'T', 'S', 'C', 'V', 'F', 'Y', '1'};
  private static final int HEADER = 60;
  private static final int SLOT = 60;
  static final String SUFFIX = ".verified";
  private static final Logger LOG = LoggerFactory.getLogger(VerifiedCheckpoint.class);

  /**
   * The acknowledged prefix of a log: {@code seq} entries, ending at byte {@code end}, the last
   * hashing to {@code hash} ({@link Entry#GENESIS} for an empty log).
   */
  record Mark(long end, long seq, BlobRef hash) {
    Mark {
      Objects.requireNonNull(hash, "hash");
      if (!plausible(end, seq, hash)) {
        throw new IllegalArgumentException("impossible mark: seq " + seq + ", end " + end);
      }
    }

    /** The mark of an empty log: its header only. */
    static Mark empty() {
      return new Mark(LogFrames.HEADER_BYTES, 0, Entry.GENESIS);
    }

    private static boolean plausible(long end, long seq, BlobRef hash) {
      if (seq == 0) {
        return end == LogFrames.HEADER_BYTES && hash.equals(Entry.GENESIS);
      }
      return seq > 0
          && seq <= (Long.MAX_VALUE - LogFrames.HEADER_BYTES) / LogFrames.FRAME_OVERHEAD
          && end >= LogFrames.HEADER_BYTES + seq * LogFrames.FRAME_OVERHEAD;
    }
  }

  /** What {@link #read} found beside a log. */
  sealed interface Reading permits Missing, Unusable, Found {}

  /** No checkpoint file. */
  record Missing() implements Reading {}

  /** A checkpoint file that cannot be used, and why (damaged, another log's, unknown format). */
  record Unusable(String why) implements Reading {}

  /** A usable mark, from a file of format {@code version} (1 or 2). */
  record Found(Mark mark, int version, long generation) implements Reading {}

  private final Path file;
  private final RandomAccessFile out;
  private long generation;
  private Mark mark;

  private VerifiedCheckpoint(Path file, RandomAccessFile out, long generation, Mark mark) {
    this.file = file;
    this.out = out;
    this.generation = generation;
    this.mark = mark;
  }

  /** The checkpoint file of the log at {@code log}. */
  static Path fileOf(Path log) {
    return log.resolveSibling(log.getFileName() + SUFFIX);
  }

  /** What is beside the log at {@code log}, for its store and author. Never throws. */
  static Reading read(Path log, UUID storeId, NodeId author) {
    Path f = fileOf(log);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(BYTES + 1);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // Reads until full or end of file.
      }
      return decode(Arrays.copyOf(buf.array(), buf.position()), storeId, author);
    } catch (NoSuchFileException e) {
      return new Missing();
    } catch (IOException e) {
      return new Unusable("unreadable: " + e);
    }
  }

  /** Decodes checkpoint bytes for the log of {@code author} in store {@code storeId}. */
  static Reading decode(byte[] b, UUID storeId, NodeId author) {
    if (b.length == V1_BYTES && Arrays.equals(b, 0, 8, MAGIC_V1, 0, 8)) {
      return decodeV1(b);
    }
    if (b.length != BYTES || !Arrays.equals(b, 0, 8, MAGIC, 0, 8)) {
      return new Unusable("not a checkpoint of a known format (" + b.length + " bytes)");
    }
    if (!crcMatches(b, 0, HEADER - 4)) {
      return new Unusable("its header is damaged");
    }
    byte[] expected = LogFrames.header(storeId, author);
    if (!Arrays.equals(b, 8, 56, expected, 8, 56)) {
      return new Unusable("it belongs to another log (store or author differ)");
    }
    Found best = null;
    for (int slot = 0; slot < 2; slot++) {
      Found f = decodeSlot(b, HEADER + slot * SLOT);
      if (f != null && (best == null || f.generation() > best.generation())) {
        best = f;
      }
    }
    return best != null ? best : new Unusable("both of its slots are damaged");
  }

  private static Found decodeSlot(byte[] b, int at) {
    if (!crcMatches(b, at, SLOT - 4)) {
      return null;
    }
    long gen = LogFrames.getLong(b, at);
    long end = LogFrames.getLong(b, at + 8);
    long seq = LogFrames.getLong(b, at + 16);
    BlobRef hash = BlobRef.of(b, at + 24);
    return Mark.plausible(end, seq, hash) ? new Found(new Mark(end, seq, hash), 2, gen) : null;
  }

  private static Reading decodeV1(byte[] b) {
    if (!crcMatches(b, 0, V1_BYTES - 4)) {
      return new Unusable("its checksum does not match (format 1)");
    }
    long end = LogFrames.getLong(b, 8);
    long seq = LogFrames.getLong(b, 16);
    BlobRef hash = BlobRef.of(b, 24);
    if (seq < 1 || !Mark.plausible(end, seq, hash)) {
      return new Unusable("it holds an impossible mark (format 1)");
    }
    return new Found(new Mark(end, seq, hash), 1, 0);
  }

  private static boolean crcMatches(byte[] b, int at, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, at, len);
    return (int) crc.getValue() == LogFrames.getInt(b, at + len);
  }

  /**
   * Replaces the checkpoint of the log at {@code log} with a new file holding {@code mark}
   * (atomically: temporary file, fsync, rename, directory fsync), and opens it for updates.
   */
  static VerifiedCheckpoint create(Path log, UUID storeId, NodeId author, Mark mark)
      throws IOException {
    Path f = fileOf(log);
    byte[] b = new byte[BYTES];
    byte[] header = LogFrames.header(storeId, author);
    System.arraycopy(MAGIC, 0, b, 0, 8);
    System.arraycopy(header, 8, b, 8, 48);
    putCrc(b, 0, HEADER - 4);
    encodeSlot(b, HEADER, 1, mark);
    encodeSlot(b, HEADER + SLOT, 0, mark);
    AtomicFile.write(f, b);
    return new VerifiedCheckpoint(f, new RandomAccessFile(f.toFile(), "rw"), 1, mark);
  }

  /**
   * The checkpoint of the log at {@code log}, brought up to {@code recovered} (what open found in
   * the file, all of it verified and fsynced): {@code found} updated in place if it is a version 2
   * file, else a new file (an unusable one set aside first, a version 1 one replaced).
   */
  static VerifiedCheckpoint bringUpTo(
      Path log, UUID storeId, NodeId author, Reading found, Mark recovered) throws IOException {
    if (found instanceof Found f && f.version() == 2) {
      VerifiedCheckpoint cp = open(log, f);
      if (recovered.seq() > f.mark().seq()) {
        cp.record(recovered);
        cp.force();
      }
      return cp;
    }
    if (found instanceof Unusable u) {
      Path aside = setAside(log);
      LOG.warn(
          "log {}: its checkpoint was unusable ({}); every signature was verified, the checkpoint"
              + " is rewritten and the old one kept as {}",
          log,
          u.why(),
          aside);
    } else if (found instanceof Found f) {
      LOG.info("log {}: upgrading its checkpoint from format {} to 2", log, f.version());
    } else if (recovered.seq() > 0) {
      LOG.warn("log {}: it had no checkpoint; every signature was verified", log);
    }
    return create(log, storeId, author, recovered);
  }

  /** Opens the version 2 checkpoint {@code found} was read from, for updates. */
  private static VerifiedCheckpoint open(Path log, Found found) throws IOException {
    if (found.version() != 2) {
      throw new IllegalArgumentException("only a version 2 checkpoint is updated in place");
    }
    Path f = fileOf(log);
    return new VerifiedCheckpoint(
        f, new RandomAccessFile(f.toFile(), "rw"), found.generation(), found.mark());
  }

  private static void encodeSlot(byte[] b, int at, long gen, Mark mark) {
    LogFrames.putLong(b, at, gen);
    LogFrames.putLong(b, at + 8, mark.end());
    LogFrames.putLong(b, at + 16, mark.seq());
    mark.hash().copyTo(b, at + 24);
    putCrc(b, at, SLOT - 4);
  }

  private static void putCrc(byte[] b, int at, int len) {
    CRC32C crc = new CRC32C();
    crc.update(b, at, len);
    LogFrames.putInt(b, at + len, (int) crc.getValue());
  }

  /** The last mark recorded. */
  Mark mark() {
    return mark;
  }

  /**
   * Records {@code next} in the older slot, in place, without forcing it (see the class
   * documentation). The caller has fsynced the entries it covers.
   */
  void record(Mark next) throws IOException {
    byte[] slot = new byte[SLOT];
    long gen = generation + 1;
    encodeSlot(slot, 0, gen, next);
    out.seek(HEADER + (gen % 2) * SLOT);
    out.write(slot);
    generation = gen;
    mark = next;
  }

  /** Forces the recorded marks to disk. */
  void force() throws IOException {
    out.getFD().sync();
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** Removes a damaged or foreign checkpoint of the log at {@code log} aside; returns where. */
  static Path setAside(Path log) throws IOException {
    Path f = fileOf(log);
    Path aside = DamagedFiles.freeName(f, ".damaged");
    Files.move(f, aside);
    AtomicFile.fsyncDirectory(f.toAbsolutePath().getParent());
    return aside;
  }

  @Override
  public String toString() {
    return "VerifiedCheckpoint[" + file + ", " + mark + "]";
  }
}
