package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.Hold;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.SpaceReclaimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Blobs as files: {@code {root}/cas/{hash[0:2]}/{hash}.blob}.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * {root}/cas/00 … ff/      the blobs, one file each, named by their hex ref, and
 *                          {hash}.{random}.tmp: blobs being written (deleted on open)
 * {root}/cas/tmp/          streamed blobs being written, ref not yet known (emptied on open),
 *                          and batches' blobs being written, as files with no name
 * {root}/cas/quarantine/   blobs found corrupt: kept, never read again
 * {root}/cas/outboards/hh/ {hash}.ob: saved outboards of range-read blobs (a cache, see below)
 * {root}/cas/access        last-access snapshot (+ access.log journal), see {@link AccessTracker}
 * {root}/cas/usage         the counts a clean close left for the next open (see {@link Census})
 * {root}/cas/trusted       the copies this store wrote or checked (see {@link TrustedCopies})
 * {root}/cas/lock          held while the store is open: one process per store
 * </pre>
 *
 * Every directory is 0700 and every file the store creates 0600, whatever the umask; an open fixes
 * the directories' modes, or refuses to open (see {@link StoreDirectory}).
 *
 * <h2>Space</h2>
 *
 * Every write reserves its bytes before writing them ({@link SpaceBudget}): a single receive, each
 * piece of a stream, each blob of a batch (held until the commit names it or the batch drops it),
 * and each saved outboard. One that would take the store past {@link Options#quotaBytes()} (blobs
 * and saved outboards count) or its disk below {@link Options#minFreeBytes()} fails with {@link
 * NoSpaceLeftException} having written nothing; so does one the disk itself refuses, with its temp
 * file gone. A failed batch receive or commit leaves its other blobs to the batch's close, which
 * drops them.
 *
 * <h2>Durability</h2>
 *
 * A receive writes a temp file (in the blob's shard directory, or in {@code tmp/} for a stream),
 * syncs it, renames it to its real name and syncs the shard directory before returning, so a crash
 * at any moment leaves either the whole blob under its name or nothing (plus a temp file that the
 * next open deletes). A {@link #newBatch() batch} writes its temp files without syncing (or as
 * files with no name yet) and makes them durable together at its commit, with {@code syncfs(2)}
 * where it can: see {@link DiskBatch}. {@link #remove} syncs the directory before returning.
 *
 * <h2>Content already present</h2>
 *
 * A receive of content that is already here writes nothing, but it counts on the copy present only
 * if this process wrote it or checked it, and it has not changed since ({@link TrustedCopies}:
 * inode and change time, saved between runs); otherwise it compares the copy with the bytes being
 * stored first. A copy that differs is corrupt: it is quarantined and the new bytes are stored in
 * its place. So the cost of a duplicate is a hash, a stat and a table lookup.
 *
 * <h2>Verification and corruption</h2>
 *
 * Every {@link #fetch} hashes what it read; a {@link #fetchRange} checks the 16 KiB groups it read
 * against the blob's outboard (see {@link VerifiedReads}). On a mismatch the file is moved to
 * {@code quarantine/} (so nobody reads it again, and nothing is deleted), the ref is added to
 * {@link #corruptRefs()}, every {@link CorruptionListener} is told, and {@link
 * CorruptBlobException} is thrown. Storing a good copy again (from a peer, or a write of the same
 * content) repairs it: the quarantined copy is then deleted. A saved outboard is only a cache: it
 * is checked against the ref when loaded (a damaged or torn one is deleted and computed again), not
 * synced, and deleted with its blob.
 *
 * <h2>Concurrency</h2>
 *
 * All methods are safe for concurrent use. Concurrent receives of the same content write it once.
 * Out of scope: two processes on one root (the second {@link #open} fails), network filesystems
 * without atomic rename.
 */
public final class DiskBlobStore implements BlobStore, BlobHolder {
  private static final Logger LOG = LoggerFactory.getLogger(DiskBlobStore.class);

  /** Where {@link TrustedCopies} is saved between runs. */
  private static final String TRUSTED = "trusted";

  /**
   * Tuning for a store. Start from {@link #defaults()} and change fields with the {@code with…}
   * methods (one per field).
   *
   * @param clock time source for access tracking
   * @param accessFlushInterval how often access times are appended to their journal; what a crash
   *     may lose
   * @param syncThreads threads that sync a batch's files in parallel at commit (without syncfs)
   * @param batchSyncfs whether a batch commit syncs with one {@code syncfs(2)} of the store's file
   *     system (Linux) instead of one fsync per file; it also writes back other programs' dirty
   *     data on that file system
   * @param batchWriteThreads threads that write a batch's temp files while the caller goes on (0:
   *     the caller writes them itself)
   * @param outboardCacheBytes heap for the {@link org.latticefs.cas.hash.Outboard outboards} that
   *     let {@link #fetchRange} read and verify only the 16 KiB groups a range touches (about 2 KiB
   *     per MiB of blob, so 64 MiB covers 32 GiB of content); 0 makes every range read verify its
   *     whole blob
   * @param readHandles blob files {@link #fetchRange} keeps open between reads (one descriptor
   *     each, closed when the blob is removed or quarantined); 0 opens and closes the file per read
   * @param unnamedTemps how many of its batches' blobs the store may hold as open files without a
   *     name ({@code O_TMPFILE}, one descriptor each) until their commit names them; past that, or
   *     where the file system has no unnamed files, or without syncfs, a batch writes named temp
   *     files. 0: named temp files only
   * @param quotaBytes most bytes the store may hold, blobs and saved outboards together ({@code
   *     storage.quota}); a write that would pass it fails with {@code NoSpaceLeftException} before
   *     it writes. 0: no quota
   * @param minFreeBytes free space every write leaves on the store's disk ({@code
   *     storage.min_free}); a write that would take the disk below it fails with {@code
   *     NoSpaceLeftException} before it writes. 0: none (the disk may fill up)
   */
  public record Options(
      InstantSource clock,
      Duration accessFlushInterval,
      int syncThreads,
      boolean batchSyncfs,
      int batchWriteThreads,
      long outboardCacheBytes,
      int readHandles,
      int unnamedTemps,
      long quotaBytes,
      long minFreeBytes) {
    public Options {
      Objects.requireNonNull(clock, "clock");
      if (accessFlushInterval.isNegative() || accessFlushInterval.isZero()) {
        throw new IllegalArgumentException("accessFlushInterval must be positive");
      }
      if (syncThreads < 1) {
        throw new IllegalArgumentException("syncThreads must be at least 1");
      }
      if (batchWriteThreads < 0) {
        throw new IllegalArgumentException("batchWriteThreads must be at least 0");
      }
      if (outboardCacheBytes < 0) {
        throw new IllegalArgumentException("outboardCacheBytes must be at least 0");
      }
      if (readHandles < 0) {
        throw new IllegalArgumentException("readHandles must be at least 0");
      }
      if (unnamedTemps < 0) {
        throw new IllegalArgumentException("unnamedTemps must be at least 0");
      }
      if (quotaBytes < 0 || minFreeBytes < 0) {
        throw new IllegalArgumentException("quotaBytes and minFreeBytes must be at least 0");
      }
    }

    /**
     * System clock, access times flushed every 30 s, 16 sync threads, syncfs where available, no
     * batch writer threads (the caller writes: cas's {@code FileIngester} already stores from its
     * own threads, and handing each chunk on, with a copy, cost more CPU than it saved), 64 MiB of
     * outboards, up to 4,096 read handles and up to 8,192 unnamed temp files (each a quarter of the
     * process's descriptor limit at most), no quota and no free space kept.
     */
    public static Options defaults() {
      return new Options(
          InstantSource.system(),
          Duration.ofSeconds(30),
          16,
          true,
          0,
          64L << 20,
          BlobHandles.defaultCapacity(4096),
          BlobHandles.defaultCapacity(8192),
          0,
          0);
    }

    public Options withClock(InstantSource c) {
      return edit(b -> b.clock = c);
    }

    public Options withAccessFlushInterval(Duration d) {
      return edit(b -> b.accessFlushInterval = d);
    }

    public Options withSyncThreads(int n) {
      return edit(b -> b.syncThreads = n);
    }

    public Options withBatchSyncfs(boolean on) {
      return edit(b -> b.batchSyncfs = on);
    }

    public Options withBatchWriteThreads(int n) {
      return edit(b -> b.batchWriteThreads = n);
    }

    public Options withOutboardCacheBytes(long bytes) {
      return edit(b -> b.outboardCacheBytes = bytes);
    }

    public Options withReadHandles(int n) {
      return edit(b -> b.readHandles = n);
    }

    public Options withUnnamedTemps(int n) {
      return edit(b -> b.unnamedTemps = n);
    }

    public Options withQuotaBytes(long bytes) {
      return edit(b -> b.quotaBytes = bytes);
    }

    public Options withMinFreeBytes(long bytes) {
      return edit(b -> b.minFreeBytes = bytes);
    }

    /** A copy with the fields {@code change} sets on a draft of this one. */
    private Options edit(Consumer<OptionsDraft> change) {
      OptionsDraft d = new OptionsDraft(this);
      change.accept(d);
      return d.build();
    }
  }

  private final StoreDirectory dir;
  private final AccessTracker access;
  private final SpaceBudget budget;
  private final Quarantine quarantine;
  private final BlobHandles handles;
  private final VerifiedReads reads;
  private final OutboardFiles outboardFiles;
  private final TempFiles temps;
  private final UnnamedTemps unnamed;
  private final BlobWriter writer;
  private final StoreThreads threads;
  private final DiskBatch.Shared batches;
  private final TrustedCopies trusted;
  private final HoldTable holds = new HoldTable();
  private final StoreGate gate;
  private final StoreFlush flush;

  /** Receives as this store does without a hold. */
  private final HeldReceiver unheld;

  private DiskBlobStore(StoreDirectory dir, Options options) throws IOException {
    this.dir = dir;
    gate = new StoreGate(dir.root());
    boolean syncfs = options.batchSyncfs() && Fsync.hasSyncfs();
    budget =
        new SpaceBudget(dir.root(), dir.fileStore(), options.quotaBytes(), options.minFreeBytes());
    temps = new TempFiles(dir, budget);
    temps.cleanTmpDir();
    unnamed = new UnnamedTemps(dir.tmp(), syncfs ? options.unnamedTemps() : 0, budget);
    access = AccessTracker.open(dir.file("access"), options.clock());
    handles = new BlobHandles(options.readHandles());
    quarantine = new Quarantine(dir, handles, budget, access);
    outboardFiles = new OutboardFiles(dir.outboards(), budget);
    trusted = new TrustedCopies();
    reads =
        new VerifiedReads(
            dir, quarantine, handles, outboardFiles, trusted, options.outboardCacheBytes());
    writer =
        new BlobWriter(
            dir, temps, unnamed, quarantine, budget, access, handles, outboardFiles, trusted);
    budget.reset(Census.take(dir, access).tally());
    trusted.load(dir.file(TRUSTED));
    quarantine.scan();
    flush = new StoreFlush(dir, budget, access, outboardFiles, quarantine);
    threads = new StoreThreads(dir.root().getFileName().toString(), options, flush::periodic);
    batches =
        new DiskBatch.Shared(
            dir,
            writer,
            budget,
            access,
            syncfs,
            threads.syncPool(),
            threads.batchWriters(),
            new DiskBatch.CopyBuffers(),
            new AtomicInteger(),
            gate::checkOpen);
    unheld = new HeldReceiver(writer, gate, batches, null);
  }

  /** Opens (creating if needed) the store under {@code root} with {@link Options#defaults()}. */
  public static DiskBlobStore open(Path root) throws IOException {
    return open(root, Options.defaults());
  }

  /**
   * Opens (creating if needed) the store under {@code root}: makes its directories private (0700),
   * deletes leftover temp files in {@code tmp/} and loads access times. After a clean close it
   * takes its counts ({@link #bytesStored()}, …) from the record that close left, so its cost does
   * not grow with the number of blobs; after a crash it walks every blob once to count them (and to
   * delete the temp files the crash left in shard directories). See {@link Census}. The caller
   * closes it.
   *
   * @throws IOException if the store is open elsewhere, or a directory is unusable or cannot be
   *     made private to its owner
   */
  public static DiskBlobStore open(Path root, Options options) throws IOException {
    StoreDirectory dir = StoreDirectory.open(root);
    try {
      return new DiskBlobStore(dir, options);
    } catch (IOException | RuntimeException e) {
      dir.close();
      throw e;
    }
  }

  // ---- fetch / stat ----

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    return gate.run(
        () -> {
          byte[] data = reads.whole(ref, false);
          access.touch(ref);
          return data;
        });
  }

  /**
   * Reads the blob file straight into {@code dst} and verifies it there, as {@link #fetch} does.
   */
  @Override
  public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    return gate.run(
        () -> {
          int n = reads.into(ref, dst);
          access.touch(ref);
          return n;
        });
  }

  /**
   * Reads and verifies only the 16 KiB groups of the blob that the range touches when its outboard
   * is known (cached, or saved by an earlier range read), else the whole blob, whose outboard it
   * then caches and saves (see {@link VerifiedReads}); the blob file stays open for the next range
   * read ({@link Options#readHandles()}). A mismatch is corruption, handled as in {@link #fetch}.
   * Counts as an access.
   */
  @Override
  public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    return gate.run(
        () -> {
          byte[] range = reads.range(ref, offset, length);
          access.touch(ref);
          return range;
        });
  }

  /** How the outboard cache is doing. */
  public OutboardStats outboardStats() {
    return reads.stats();
  }

  /**
   * A snapshot of the outboard cache.
   *
   * @param entries outboards held
   * @param bytes their heap size
   * @param hits range reads that found their blob's outboard
   * @param misses range reads that did not find it in memory
   * @param loaded of those misses, the ones served by the outboard saved on disk (the others
   *     verified the whole blob, and saved its outboard)
   * @param saved outboards saved on disk
   */
  public record OutboardStats(
      int entries, long bytes, long hits, long misses, long loaded, long saved) {}

  /** Size from the file system; does not read or verify the content, nor count as an access. */
  @Override
  public Optional<BlobInfo> stat(BlobRef ref) throws IOException {
    gate.checkOpen();
    try {
      return Optional.of(new BlobInfo(ref, Files.size(dir.blobPath(ref))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  // ---- receive ----

  @Override
  public BlobRef receive(byte[] data, int off, int len) throws IOException {
    return unheld.receive(data, off, len);
  }

  /** Streams {@code in} to a temp file while hashing it; never holds the blob in memory. */
  @Override
  public BlobRef receive(InputStream in) throws IOException {
    return unheld.receive(in);
  }

  /**
   * A batch whose blobs are written unsynced and made durable together at {@link
   * BlobBatch#commit()} (see {@link DiskBatch}). Blobs become visible at commit. With {@link
   * Options#batchWriteThreads()} writer threads, a write failure (such as {@link
   * org.latticefs.cas.NoSpaceLeftException}) is thrown by a later receive or by the commit. Closing
   * without committing deletes the uncommitted temp files (their blobs are not stored). One batch
   * per thread; many batches may run at once.
   */
  @Override
  public BlobBatch newBatch() {
    return unheld.newBatch();
  }

  // ---- holds ----

  /**
   * A hold whose receiver stores as this store does, holding each ref before it looks for a copy
   * already present (see {@link Hold}).
   */
  @Override
  public Hold newHold() {
    return holds.open(hold -> new HeldReceiver(writer, gate, batches, hold));
  }

  /** This store's holds, for the garbage collector ({@link HoldTable#beginPass()}). */
  public HoldTable holds() {
    return holds;
  }

  // ---- enumerate / remove ----

  /**
   * Lists shard directories in order; a page costs one directory listing per shard it touches.
   * Files that are not blobs (bad names) are skipped.
   */
  @Override
  public List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) throws IOException {
    gate.checkOpen();
    return dir.list(after, limit);
  }

  /**
   * Removes the blob and its saved outboard, unless the ref is {@linkplain #newHold() held}; false
   * if it is held or was not present. Durable on return.
   */
  @Override
  public boolean remove(BlobRef ref) throws IOException {
    return gate.run(() -> holds.unlessHeld(ref, () -> writer.remove(ref), false));
  }

  /**
   * Removes each unheld ref of {@code refs} as {@link #remove} does, syncing each shard directory
   * it touched once ({@link BlobWriter#removeAll}). Durable on return.
   */
  @Override
  public boolean[] removeAll(List<BlobRef> refs) throws IOException {
    return gate.run(() -> writer.removeAll(refs, holds));
  }

  // ---- usage, access, corruption ----

  /**
   * Space figures at one moment, for {@code statfs} and quotas.
   *
   * @param bytesStored sum of the sizes of the blobs present
   * @param blobCount number of blobs present
   * @param usableBytes bytes still available to this process on the disk under the store
   * @param totalBytes size of that disk
   */
  public record Usage(long bytesStored, long blobCount, long usableBytes, long totalBytes) {}

  /** The store's and its disk's space figures (one {@code statfs} of the disk). */
  public Usage usage() throws IOException {
    return new Usage(
        budget.blobBytes(), budget.blobCount(), budget.usableSpace(), budget.totalSpace());
  }

  /**
   * Bytes that count toward the quota ({@link Options#quotaBytes()}): the blobs, the saved
   * outboards, and what writes in progress (batches not yet committed among them) have reserved.
   */
  public long usedBytes() {
    return budget.usedBytes();
  }

  /** Bytes of the outboards saved for range reads (they count toward the quota). */
  public long outboardBytes() {
    return budget.outboardBytes();
  }

  /** Sum of the sizes of the blobs present (counted on open, kept up to date since). */
  public long bytesStored() {
    return budget.blobBytes();
  }

  /** Number of blobs present. */
  public long blobCount() {
    return budget.blobCount();
  }

  /** Bytes still available to this process on the disk under the store. */
  public long usableSpace() throws IOException {
    return budget.usableSpace();
  }

  /** Size of the disk under the store. */
  public long totalSpace() throws IOException {
    return budget.totalSpace();
  }

  /** What receives have written and deduplicated since the store was opened (a snapshot). */
  public BlobStoreStats stats() {
    return writer.stats();
  }

  /**
   * Whom a write that finds no room (quota or minimum free space) asks to free some before it fails
   * with {@code NoSpaceLeftException} (the garbage collector; see {@link SpaceReclaimer}).
   */
  public void setReclaimer(SpaceReclaimer reclaimer) {
    budget.setReclaimer(reclaimer);
  }

  /** Last-access times of this store's blobs, for the garbage collector. */
  public AccessTracker accessTracker() {
    return access;
  }

  /**
   * Refs found corrupt and not yet repaired (still listed after a restart: they are the contents of
   * {@code quarantine/}). A snapshot.
   */
  public Set<BlobRef> corruptRefs() {
    return quarantine.refs();
  }

  public void addCorruptionListener(CorruptionListener listener) {
    quarantine.addListener(listener);
  }

  public void removeCorruptionListener(CorruptionListener listener) {
    quarantine.removeListener(listener);
  }

  /** Where this store keeps its files ({@code {root}/cas}). */
  public Path directory() {
    return dir.root();
  }

  /** Unnamed temp files that batches hold open now (for tests). */
  int unnamedTempsHeld() {
    return unnamed.held();
  }

  /** Number of batches created and not yet closed. */
  public int openBatches() {
    return batches.openBatches().get();
  }

  /**
   * Flushes access times, stops background work and releases the directory. Batches still open fail
   * from now on. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (!gate.close()) {
      return;
    }
    reads.close();
    handles.close();
    unnamed.discardAll();
    threads.close();
    // Clean: nothing was changing the store as it closed (see StoreGate), and no damage found
    // behind
    // its back may have skewed the counts (see Quarantine.movedAny), so they are exact.
    boolean clean =
        gate.active() == 0
            && batches.openBatches().get() == 0
            && budget.reservedBytes() == 0
            && !quarantine.movedAny();
    try {
      trusted.save(dir.file(TRUSTED));
    } catch (IOException e) {
      // Only a cache: blobs are checked again when next counted on.
      LOG.warn("could not save the checked copies of {}: {}", dir.root(), e.toString());
    }
    try {
      access.close();
      flush.checkpointUsage(clean);
    } catch (IOException e) {
      // Losing recent access times is acceptable (see AccessTracker), and without the record the
      // next open counts the blobs again; a full disk must not keep the store from closing.
      LOG.warn("could not save access times or usage of {}: {}", dir.root(), e.toString());
    } finally {
      dir.close();
    }
  }
}
