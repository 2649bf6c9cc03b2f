package org.latticefs.cas.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.SpaceReclaimer;
import org.latticefs.cas.io.Futures;

/**
 * The space a disk store uses and may still use: what its blobs and saved outboards hold, what
 * writes in progress have reserved, and the two limits every write is checked against before a byte
 * of it is written — the store's quota and the free space to leave on its disk.
 *
 * <h2>Reservations</h2>
 *
 * A write {@link #reserve reserves} its size first, and fails with {@link NoSpaceLeftException}
 * there, having written nothing, if it would take the store past its quota ({@code used + reserved
 * + size > quota}) or the disk below its minimum free space ({@code free - unwritten - size <
 * minFree}, where {@code free} is one {@code statfs} and {@code unwritten} what other writes have
 * reserved and not yet written). Then it says when its bytes are {@link #written} (they show in
 * {@code statfs} from then on), and ends the reservation exactly once: {@link #published} (the
 * bytes are a blob's now), {@link #savedOutboard}, {@link #release} (a written temp file dropped)
 * or {@link #cancel} (a write that failed before it was written). Reservations are what keep
 * concurrent writers, and the blobs of a batch not yet committed, from overshooting a limit
 * together.
 *
 * <p>Sizes on the disk are rounded up to the file system's block. The quota counts bytes of
 * content, as {@code df} shows it. Thread-safe.
 */
final class SpaceBudget {
  private final Path where;
  private final FileStore disk;
  private final long quota;
  private final long minFree;
  private final long block;

  // Guarded by this.
  private long blobBytes;
  private long blobCount;
  private long outboardBytes;
  private long outboardCount;
  private final Census.Tally tally = new Census.Tally();
  private long changes;
  private long reserved;
  private long unwritten;

  /**
   * @param quota most bytes of blobs and outboards the store may hold; 0 for none
   * @param minFree free bytes to leave on the disk; 0 for none
   */
  SpaceBudget(Path where, FileStore disk, long quota, long minFree) throws IOException {
    if (quota < 0 || minFree < 0) {
      throw new IllegalArgumentException("quota and minFree must be >= 0");
    }
    this.where = where;
    this.disk = disk;
    this.quota = quota;
    this.minFree = minFree;
    long b;
    try {
      b = disk.getBlockSize();
    } catch (UnsupportedOperationException e) {
      b = 4096;
    }
    this.block = Math.max(1, b);
  }

  /** Sets the counts found when the store opened, shard by shard. */
  synchronized void reset(Census.Tally found) {
    tally.copyFrom(found);
    Census.Counts c = tally.totals();
    blobBytes = c.blobBytes();
    blobCount = c.blobCount();
    outboardBytes = c.outboardBytes();
    outboardCount = c.outboardCount();
  }

  /**
   * One shard's counts now: {bytes, count} of its blobs ({@code outboards} false) or of its saved
   * outboards. The caller holds the lock that guards that shard's files, so the figures match them.
   */
  synchronized long[] shard(int shard, boolean outboards) {
    return tally.get(shard, outboards);
  }

  /** Temp files being written in each shard directory (a checkpoint cannot vouch for them). */
  private final AtomicIntegerArray shardTemps = new AtomicIntegerArray(Census.SHARDS);

  /** Shards where a temp file could not be deleted (walked at the next open, which deletes it). */
  private final AtomicIntegerArray shardLeftovers = new AtomicIntegerArray(Census.SHARDS);

  /** A temp file is about to be made in {@code shard}'s directory. */
  void tempMade(int shard) {
    shardTemps.incrementAndGet(shard);
  }

  /**
   * A temp file in {@code shard}'s directory was renamed or deleted or never made ({@code left}
   * false), or could not be deleted ({@code left} true).
   */
  void tempGone(int shard, boolean left) {
    if (left) {
      shardLeftovers.set(shard, 1);
    }
    shardTemps.decrementAndGet(shard);
  }

  /** Whether a temp file is being written in {@code shard}'s directory now. */
  boolean writingTemps(int shard) {
    return shardTemps.get(shard) > 0;
  }

  /** Whether a temp file that could not be deleted may be left in {@code shard}'s directory. */
  boolean leftTemps(int shard) {
    return shardLeftovers.get(shard) != 0;
  }

  /** How many changes the counts have seen (to skip checkpoints when nothing changed). */
  synchronized long changes() {
    return changes;
  }

  /** The counts now (what a clean close records). */
  synchronized Census.Counts counts() {
    return new Census.Counts(blobBytes, blobCount, outboardBytes, outboardCount);
  }

  /** Asked to free space when a reservation finds none (see {@link #reserve}). */
  private volatile SpaceReclaimer reclaimer = SpaceReclaimer.NONE;

  void setReclaimer(SpaceReclaimer r) {
    reclaimer = r == null ? SpaceReclaimer.NONE : r;
  }

  /**
   * Reserves room for {@code size} bytes about to be written. When there is none, asks the {@link
   * SpaceReclaimer} once (outside this budget's lock: a collection pass removes blobs meanwhile),
   * then tries again.
   *
   * @throws NoSpaceLeftException if they would take the store past its quota or the disk below its
   *     minimum free space even after that; nothing is reserved then
   */
  void reserve(long size) throws IOException {
    try {
      tryReserve(size);
    } catch (NoSpaceLeftException full) {
      if (!reclaimer.reclaim(size)) {
        throw full;
      }
      tryReserve(size);
    }
  }

  /** {@link #reserve} without asking the reclaimer: for what is only worth storing if it fits. */
  void reserveWithoutReclaim(long size) throws IOException {
    tryReserve(size);
  }

  private synchronized void tryReserve(long size) throws IOException {
    checkQuota(size);
    long onDisk = onDisk(size);
    if (minFree > 0) {
      // One statfs, under the lock: a write that ends meanwhile moves its bytes from unwritten
      // into the free figure, never out of both.
      long free = disk.getUsableSpace();
      if (free - unwritten - onDisk < minFree) {
        throw new NoSpaceLeftException(
            "storing "
                + size
                + " bytes under "
                + where
                + " would leave less than the "
                + minFree
                + " bytes that must stay free on its disk ("
                + free
                + " bytes free, "
                + unwritten
                + " being written)",
            null);
      }
    }
    reserved += size;
    unwritten += onDisk;
  }

  private void checkQuota(long size) throws NoSpaceLeftException {
    if (quota > 0 && blobBytes + outboardBytes + reserved + size > quota) {
      throw new NoSpaceLeftException(
          "the blob store under "
              + where
              + " reached its quota of "
              + quota
              + " bytes ("
              + (blobBytes + outboardBytes)
              + " stored, "
              + reserved
              + " being written): no room for "
              + size
              + " more",
          null);
    }
  }

  /** The {@code size} bytes reserved are on the disk now (in its free-space figure). */
  synchronized void written(long size) {
    unwritten -= onDisk(size);
  }

  /** A write of {@code size} reserved bytes failed before {@link #written}: nothing is held. */
  synchronized void cancel(long size) {
    reserved -= size;
    unwritten -= onDisk(size);
  }

  /** A written temp file of {@code size} reserved bytes was deleted. */
  synchronized void release(long size) {
    reserved -= size;
  }

  /** A written temp file of {@code size} reserved bytes became a blob in {@code shard}. */
  synchronized void published(int shard, long size) {
    reserved -= size;
    blobBytes += size;
    blobCount++;
    tally.add(shard, false, size, 1);
    changes++;
  }

  /** A blob of {@code size} bytes in {@code shard} lost its name (removed or quarantined). */
  synchronized void removed(int shard, long size) {
    blobBytes -= size;
    blobCount--;
    tally.add(shard, false, -size, -1);
    changes++;
  }

  /** A written outboard file of {@code size} reserved bytes was saved in {@code shard}. */
  synchronized void savedOutboard(int shard, long size) {
    reserved -= size;
    outboardBytes += size;
    outboardCount++;
    tally.add(shard, true, size, 1);
    changes++;
  }

  /** A saved outboard file of {@code size} bytes in {@code shard} was deleted. */
  synchronized void deletedOutboard(int shard, long size) {
    outboardBytes -= size;
    outboardCount--;
    tally.add(shard, true, -size, -1);
    changes++;
  }

  synchronized long blobBytes() {
    return blobBytes;
  }

  synchronized long blobCount() {
    return blobCount;
  }

  synchronized long outboardBytes() {
    return outboardBytes;
  }

  /** Bytes counted against the quota: blobs, saved outboards, and writes in progress. */
  synchronized long usedBytes() {
    return blobBytes + outboardBytes + reserved;
  }

  /** Bytes reserved by writes in progress (0 once every write has ended). */
  synchronized long reservedBytes() {
    return reserved;
  }

  /** The quota; 0 for none. */
  long quota() {
    return quota;
  }

  /** The free space to leave on the disk; 0 for none. */
  long minFree() {
    return minFree;
  }

  /** Bytes still available to this process on the disk (one {@code statfs}). */
  long usableSpace() throws IOException {
    return disk.getUsableSpace();
  }

  /** Size of the disk. */
  long totalSpace() throws IOException {
    return disk.getTotalSpace();
  }

  private long onDisk(long size) {
    return (size + block - 1) / block * block;
  }

  /**
   * {@code e} as the exception a failed write of {@code size} bytes throws: the operating system's
   * "no space left" becomes a {@link NoSpaceLeftException} that says how much was free, other
   * {@link IOException}s pass unchanged, and runtime exceptions are thrown as they are.
   */
  IOException translate(Throwable e, long size) {
    if (e instanceof NoSpaceLeftException n) {
      return n;
    }
    if (NoSpaceLeftException.isNoSpace(e)) {
      long free = -1;
      try {
        free = usableSpace();
      } catch (IOException ignored) {
        // Report without the free figure.
      }
      return new NoSpaceLeftException(
          "no space left on device under "
              + where
              + ": could not store a blob of "
              + size
              + " bytes ("
              + free
              + " bytes free)",
          e);
    }
    return Futures.asThrown(e);
  }
}
