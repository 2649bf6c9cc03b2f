package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.IntFunction;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.io.AtomicFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Knows what a disk store holds when it opens without visiting its blobs when it can: from the
 * record ({@code cas/usage}) of its counts shard by shard, walking only the shards that changed
 * since the record was written.
 *
 * <h2>The record</h2>
 *
 * Written atomically at a clean close and, while the store is open, as a checkpoint whenever the
 * counts changed ({@link #checkpoint}, from the store's background thread, every access flush). For
 * each of the 256 blob shards and the 256 saved-outboard shards it holds the shard's bytes and file
 * count, and the modification time of the shard's directory when they were taken, or -1 when the
 * figures cannot be vouched for. Every change to a shard's files (a blob named, removed or
 * quarantined; an outboard saved or deleted) is made and counted under that shard's lock, and
 * changes the directory's modification time; a checkpoint reads a shard's counts and its
 * directory's time under the same lock.
 *
 * <p>Opening reads the record and takes a shard's figures from it if the directory's time is still
 * the one recorded; any other shard is walked. So after a crash only the shards changed since the
 * last checkpoint are visited. A shard whose directory changed within {@value #SETTLE_MILLIS} ms of
 * its checkpoint is recorded as unknown (file times are kept at a coarse clock tick, so a change
 * right after the checkpoint could leave the same time), and so is a shard where damage was found
 * (a blob changed in place behind the store's back does not touch its directory), and so is a shard
 * whose directory holds a temp file being written (a crash would leave it; a walk deletes it). A
 * record that is unreadable or fails its checksum is ignored (every shard walked), never trusted;
 * one of the first version (totals only) makes the open walk once.
 *
 * <pre>
 * "LATUSE02"                        magic and version
 * 512 x (u64 bytes, u64 count, i64 directory mtime in ns or -1)   blob shards 00..ff, then
 *                                                                  outboard shards 00..ff
 * u32 CRC32C of the above
 * </pre>
 *
 * <h2>The walk</h2>
 *
 * Counts a shard's blobs (or saved outboards), deletes the temp files a crash left in it, and
 * starts blobs the access tracker does not know at their file's modification time. When the access
 * tracker lost its record every shard is walked, to seed it again. Its cost is one directory entry
 * and one {@code stat} per file.
 */
final class Census {
  private static final Logger LOG = LoggerFactory.getLogger(Census.class);
  private static final byte[] MAGIC = {'L', 'A', 'T', 'U', 'S', 'E', '0', '2'};
  static final int SHARDS = 256;
  private static final int ENTRY_BYTES = 24;
  private static final int RECORD_BYTES = MAGIC.length + 2 * SHARDS * ENTRY_BYTES + 4;
  private static final String RECORD = "usage";

  /** A shard changed this recently before its checkpoint is recorded as unknown. */
  static final long SETTLE_MILLIS = 100;

  private Census() {}

  /** What a store holds: its blobs and its saved outboards. */
  record Counts(long blobBytes, long blobCount, long outboardBytes, long outboardCount) {}

  /** Bytes and file counts per shard, for blobs and for saved outboards. Not thread-safe. */
  static final class Tally {
    private final long[] bytes = new long[2 * SHARDS];
    private final long[] count = new long[2 * SHARDS];

    private static int slot(int shard, boolean outboards) {
      return outboards ? SHARDS + shard : shard;
    }

    void add(int shard, boolean outboards, long b, long n) {
      bytes[slot(shard, outboards)] += b;
      count[slot(shard, outboards)] += n;
    }

    void set(int shard, boolean outboards, long b, long n) {
      bytes[slot(shard, outboards)] = b;
      count[slot(shard, outboards)] = n;
    }

    long[] get(int shard, boolean outboards) {
      return new long[] {bytes[slot(shard, outboards)], count[slot(shard, outboards)]};
    }

    void copyFrom(Tally t) {
      System.arraycopy(t.bytes, 0, bytes, 0, bytes.length);
      System.arraycopy(t.count, 0, count, 0, count.length);
    }

    Counts totals() {
      long bb = 0;
      long bc = 0;
      long ob = 0;
      long oc = 0;
      for (int i = 0; i < SHARDS; i++) {
        bb += bytes[i];
        bc += count[i];
        ob += bytes[SHARDS + i];
        oc += count[SHARDS + i];
      }
      return new Counts(bb, bc, ob, oc);
    }
  }

  /** What opening found: the counts, and how many shards it had to walk. */
  record Taken(Tally tally, int walked) {}

  /**
   * The counts of {@code dir}'s store, shard by shard: from the record where a shard's directory
   * did not change since, by walking it otherwise (every shard when {@code access} needs seeding:
   * {@link AccessTracker#loadedSnapshot()} false on a store that is not new).
   */
  static Taken take(StoreDirectory dir, AccessTracker access) throws IOException {
    long[][] recorded = read(dir.file(RECORD));
    boolean seed = !access.loadedSnapshot() && !dir.created();
    Tally tally = new Tally();
    int walked = 0;
    int temps = 0;
    for (int o = 0; o < 2; o++) {
      boolean outboards = o == 1;
      for (int i = 0; i < SHARDS; i++) {
        Path shard = outboards ? dir.outboards().resolve(hex(i)) : dir.shard(i);
        int slot = o * SHARDS + i;
        long mtime = mtime(shard);
        if (recorded != null && !seed && recorded[2][slot] != -1 && recorded[2][slot] == mtime) {
          tally.set(i, outboards, recorded[0][slot], recorded[1][slot]);
          continue;
        }
        walked++;
        long[] c = outboards ? walkOutboards(shard) : walkBlobs(shard, access);
        tally.set(i, outboards, c[0], c[1]);
        temps += (int) (outboards ? 0 : c[2]);
      }
    }
    if (temps > 0) {
      LOG.info("deleted {} temp files left in shard directories by an earlier crash", temps);
    }
    if (walked > 0 && !dir.created()) {
      LOG.info(
          "counted {} of {} shard directories of {} ({})",
          walked,
          2 * SHARDS,
          dir.root(),
          seed
              ? "its access times were lost"
              : recorded == null ? "no usable usage record" : "they changed since the record");
    }
    return new Taken(tally, walked);
  }

  /**
   * Writes the record: each shard's counts from {@code budget} and its directory's time, read under
   * the lock {@code locks} gives for it (blob shards: the store's shard locks; outboard shards: the
   * outboard files' locks). {@code settled}: no change can follow (a clean close), so no shard is
   * recorded as unknown for having changed just now. {@code suspect} shards (damage was found in
   * them) are recorded as unknown.
   *
   * @return whether a shard was recorded as unknown only for now (it changed just now, or a temp
   *     file is being written in it): a later checkpoint can vouch for it
   */
  static boolean checkpoint(
      StoreDirectory dir,
      SpaceBudget budget,
      IntFunction<ReentrantLock> blobLocks,
      IntFunction<ReentrantLock> outboardLocks,
      boolean[] suspect,
      boolean settled)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(RECORD_BYTES);
    b.put(MAGIC);
    boolean provisional = false;
    for (int o = 0; o < 2; o++) {
      boolean outboards = o == 1;
      for (int i = 0; i < SHARDS; i++) {
        Path shard = outboards ? dir.outboards().resolve(hex(i)) : dir.shard(i);
        ReentrantLock lock = outboards ? outboardLocks.apply(i) : blobLocks.apply(i);
        long[] c;
        long mtime;
        long now;
        lock.lock();
        try {
          c = budget.shard(i, outboards);
          mtime = mtime(shard);
          now = System.currentTimeMillis();
        } finally {
          lock.unlock();
        }
        boolean recent = !settled && TimeUnit.NANOSECONDS.toMillis(mtime) > now - SETTLE_MILLIS;
        boolean temps = !outboards && budget.writingTemps(i);
        boolean unknown = recent || temps || (!outboards && (suspect[i] || budget.leftTemps(i)));
        provisional |= recent || temps;
        b.putLong(c[0]).putLong(c[1]).putLong(unknown ? -1 : mtime);
      }
    }
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    AtomicFile.write(dir.file(RECORD), b.array());
    return provisional;
  }

  /** The record at {@code file} as {bytes[], counts[], mtimes[]}, or null if none or untrusted. */
  private static long[][] read(Path file) {
    byte[] data;
    try {
      if (Files.size(file) != RECORD_BYTES) {
        throw new IOException("it is " + Files.size(file) + " bytes, not " + RECORD_BYTES);
      }
      data = Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException e) {
      LOG.info("not using the usage record {}: {}", file, e.getMessage());
      return null;
    }
    ByteBuffer b = ByteBuffer.wrap(data);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    long[][] out = new long[3][2 * SHARDS];
    boolean valid = java.util.Arrays.equals(magic, MAGIC);
    for (int i = 0; i < 2 * SHARDS; i++) {
      out[0][i] = b.getLong();
      out[1][i] = b.getLong();
      out[2][i] = b.getLong();
      valid &= out[0][i] >= 0 && out[1][i] >= 0;
    }
    CRC32C crc = new CRC32C();
    crc.update(data, 0, b.position());
    valid &= b.getInt() == (int) crc.getValue();
    if (!valid) {
      LOG.warn("ignoring the usage record {}: bad magic, value or checksum", file);
      return null;
    }
    return out;
  }

  private static String hex(int shard) {
    return String.format("%02x", shard);
  }

  /** A directory's modification time in ns, or -2 if it does not exist (never a recorded time). */
  private static long mtime(Path dir) throws IOException {
    try {
      return Files.getLastModifiedTime(dir).to(TimeUnit.NANOSECONDS);
    } catch (NoSuchFileException e) {
      return -2;
    }
  }

  /** Counts one blob shard: {bytes, blobs, temps deleted}; seeds {@code access}. */
  private static long[] walkBlobs(Path shard, AccessTracker access) throws IOException {
    long bytes = 0;
    long count = 0;
    long temps = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard)) {
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
    return new long[] {bytes, count, temps};
  }

  /** Counts one outboard shard: {bytes, files}. */
  private static long[] walkOutboards(Path shard) throws IOException {
    long bytes = 0;
    long count = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard)) {
      for (Path p : ds) {
        bytes += Files.size(p);
        count++;
      }
    } catch (NoSuchFileException e) {
      // Made when the first outboard of the shard is saved.
    }
    return new long[] {bytes, count};
  }
}
