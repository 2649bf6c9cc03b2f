package org.latticefs.kv.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Optional;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;

/**
 * How far this node has verified the signatures of one {@link SigChainLog}: the first {@code seq}
 * entries, which end at byte {@code end} of the log file, the last of them hashing to {@code hash}.
 * Kept in {@code <log>.verified} beside the log; see {@link SigChainLog} for why skipping their
 * signatures on open is sound.
 *
 * <h2>File format</h2>
 *
 * Big-endian, exactly {@value #BYTES} bytes:
 *
 * <pre>
 *  8  magic and format version "LTSCVFY1" (another format gets another magic)
 *  8  end: file offset just past the frame of entry seq
 *  8  seq, at least 1
 * 32  hash of entry seq
 *  4  CRC32C of the 56 bytes before it
 * </pre>
 *
 * <p>{@link #read} returns empty for a missing, short, long, mis-checksummed or otherwise malformed
 * file: the caller then verifies everything, as without a checkpoint. {@link #write} replaces the
 * file atomically (temporary file, fsync, rename); the directory is not fsynced, so after a crash
 * either the old or the new checkpoint is there, both of which only describe entries that were
 * durable before they were written.
 */
record VerifiedCheckpoint(long end, long seq, BlobRef hash) {
  static final int BYTES = 8 + 8 + 8 + BlobRef.LENGTH + 4;
  private static final byte[] MAGIC = {'L', 'T', 'S', 'C', 'V', 'F', 'Y', '1'};
  private static final String SUFFIX = ".verified";

  VerifiedCheckpoint {
    if (seq < 1 || end < SigChainLog.HEADER_BYTES + seq * SigChainLog.FRAME_OVERHEAD) {
      throw new IllegalArgumentException("impossible checkpoint: seq " + seq + ", end " + end);
    }
  }

  /** The checkpoint file of the log at {@code log}. */
  static Path fileOf(Path log) {
    return log.resolveSibling(log.getFileName() + SUFFIX);
  }

  byte[] encode() {
    byte[] b = new byte[BYTES];
    System.arraycopy(MAGIC, 0, b, 0, 8);
    SigChainLog.putLong(b, 8, end);
    SigChainLog.putLong(b, 16, seq);
    hash.copyTo(b, 24);
    CRC32C crc = new CRC32C();
    crc.update(b, 0, BYTES - 4);
    SigChainLog.putInt(b, BYTES - 4, (int) crc.getValue());
    return b;
  }

  /**
   * Decodes {@code b}; empty unless it is exactly one well-formed, correctly checksummed
   * checkpoint.
   */
  static Optional<VerifiedCheckpoint> decode(byte[] b) {
    if (b.length != BYTES || !Arrays.equals(b, 0, 8, MAGIC, 0, 8)) {
      return Optional.empty();
    }
    CRC32C crc = new CRC32C();
    crc.update(b, 0, BYTES - 4);
    if ((int) crc.getValue() != SigChainLog.getInt(b, BYTES - 4)) {
      return Optional.empty();
    }
    long end = SigChainLog.getLong(b, 8);
    long seq = SigChainLog.getLong(b, 16);
    if (seq < 1 || end < SigChainLog.HEADER_BYTES + seq * SigChainLog.FRAME_OVERHEAD) {
      return Optional.empty();
    }
    return Optional.of(new VerifiedCheckpoint(end, seq, BlobRef.of(b, 24)));
  }

  /**
   * The checkpoint of the log at {@code log}, or empty if there is none or it is unreadable or
   * malformed (never throws for a bad file: it reads at most {@value #BYTES} + 1 bytes).
   */
  static Optional<VerifiedCheckpoint> read(Path log) {
    Path f = fileOf(log);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(BYTES + 1);
      while (buf.hasRemaining() && ch.read(buf) >= 0) {
        // Reads until full or end of file.
      }
      return decode(Arrays.copyOf(buf.array(), buf.position()));
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Atomically replaces the checkpoint of the log at {@code log} with this one. */
  void write(Path log) throws IOException {
    Path f = fileOf(log);
    Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
    try {
      try (FileChannel ch =
          FileChannel.open(
              tmp,
              StandardOpenOption.CREATE,
              StandardOpenOption.WRITE,
              StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer buf = ByteBuffer.wrap(encode());
        while (buf.hasRemaining()) {
          ch.write(buf);
        }
        ch.force(false);
      }
      Files.move(tmp, f, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  /** Deletes the checkpoint of the log at {@code log}, if any. */
  static void delete(Path log) throws IOException {
    Files.deleteIfExists(fileOf(log));
  }
}
