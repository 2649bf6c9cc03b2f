package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows what a disk store holds when it opens, without visiting its blobs when it can: from the
 * record the last clean close left ({@code cas/usage}), else by walking every shard once.
 *
 * <h2>The record</h2>
 *
 * A clean close (no batch open, no write in flight) writes the store's counts to {@code usage}
 * atomically. Opening reads it and deletes it (durably) before anything can change, so the record
 * describes the store exactly when it exists: a crash, or a close that was not clean, leaves none,
 * and the next open walks. A record that is unreadable or fails its checksum is ignored (and the
 * store walked), never trusted.
 *
 * <pre>
 * "LATUSE01"                       magic and version
 * u64 blob bytes, u64 blob count, u64 outboard bytes, u64 outboard count
 * u32 CRC32C of the above
 * </pre>
 *
 * <h2>The walk</h2>
 *
 * Counts the blobs (and saved outboards), deletes the temp files a crash left in shard directories,
 * and starts blobs the access tracker does not know at their file's modification time. It is also
 * taken after a clean close when the access tracker lost its record, to seed it again. Its cost is
 * one directory entry and one {@code stat} per blob.
 */
final class Census {
  private static final Logger LOG = LoggerFactory.getLogger(Census.class);
  private static final byte[] MAGIC = {'L', 'A', 'T', 'U', 'S', 'E', '0', '1'};
  private static final int RECORD_BYTES = MAGIC.length + 4 * 8 + 4;
  private static final String RECORD = "usage";

  private Census() {}

  /** What a store holds: its blobs and its saved outboards. */
  record Counts(long blobBytes, long blobCount, long outboardBytes, long outboardCount) {}

  /**
   * The counts of {@code dir}'s store: from the clean-close record, or by a walk when there is
   * none, it is damaged, or {@code access} needs seeding ({@link AccessTracker#loadedSnapshot()}
   * false on a store that is not new). The record is gone (durably) when this returns.
   */
  static Counts take(StoreDirectory dir, AccessTracker access) throws IOException {
    Path record = dir.file(RECORD);
    Counts recorded = read(record);
    if (recorded != null) {
      Files.delete(record);
      Fsync.directory(dir.root());
    }
    boolean seed = !access.loadedSnapshot() && !dir.created();
    if (recorded != null && !seed) {
      return recorded;
    }
    if (!dir.created()) {
      LOG.info(
          "counting the blobs of {} ({})",
          dir.root(),
          recorded == null ? "it was not closed cleanly" : "its access times were lost");
    }
    return walk(dir, access);
  }

  /** Records {@code counts} for the next open: the store is closing cleanly. */
  static void record(StoreDirectory dir, Counts counts) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(RECORD_BYTES);
    b.put(MAGIC)
        .putLong(counts.blobBytes())
        .putLong(counts.blobCount())
        .putLong(counts.outboardBytes())
        .putLong(counts.outboardCount());
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    AtomicFile.write(dir.file(RECORD), b.array());
  }

  /** The record at {@code file}, or null if there is none or it cannot be trusted. */
  private static Counts read(Path file) {
    byte[] data;
    try {
      if (Files.size(file) != RECORD_BYTES) {
        throw new IOException("it is " + Files.size(file) + " bytes, not " + RECORD_BYTES);
      }
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.warn("ignoring the usage record {}: {}", file, e.toString());
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    Counts c = new Counts(b.getLong(), b.getLong(), b.getLong(), b.getLong());
    CRC32C crc = new CRC32C();
    crc.update(data, 0, b.position());
    boolean valid =
        java.util.Arrays.equals(magic, MAGIC)
            && b.getInt() == (int) crc.getValue()
            && c.blobBytes() >= 0
            && c.blobCount() >= 0
            && c.outboardBytes() >= 0
            && c.outboardCount() >= 0;
    if (!valid) {
      LOG.warn("ignoring the usage record {}: bad magic or checksum", file);
      return null;
    }
    return c;
  }

  /** Walks every shard and the saved outboards; seeds {@code access}. */
  static Counts walk(StoreDirectory dir, AccessTracker access) throws IOException {
    long bytes = 0;
    long count = 0;
    int temps = 0;
    for (int i = 0; i < 256; i++) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir.shard(i))) {
        for (Path p : ds) {
          String name = p.getFileName().toString();
          String hex = StoreDirectory.refHex(name);
          if (hex == null) {
            if (TempFiles.isTemp(name)) {
              // A blob being written when the process stopped: never complete, never named.
              Files.deleteIfExists(p);
              temps++;
            } else {
              LOG.warn("ignoring stray file {} in the blob store", p);
            }
            continue;
          }
          BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class);
          bytes += a.size();
          count++;
          // Blobs the tracker does not know (first open, lost tracker) start at their write time.
          access.touchIfAbsent(BlobRef.parse(hex), a.lastModifiedTime().toInstant());
        }
      }
    }
    if (temps > 0) {
      LOG.info("deleted {} temp files left in shard directories by an earlier crash", temps);
    }
    long obBytes = 0;
    long obCount = 0;
    try (DirectoryStream<Path> hh = Files.newDirectoryStream(dir.outboards())) {
      for (Path sub : hh) {
        if (!Files.isDirectory(sub)) {
          continue;
        }
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(sub)) {
          for (Path p : ds) {
            obBytes += Files.size(p);
            obCount++;
          }
        }
      }
    }
    return new Counts(bytes, count, obBytes, obCount);
  }
}
