package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Blake3Hasher;
import org.latticefs.cas.hash.Outboard;
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
 * {root}/cas/lock          held while the store is open: one process per store
 * </pre>
 *
 * <h2>Durability</h2>
 *
 * A receive writes a temp file (in the blob's shard directory, or in {@code tmp/} for a stream),
 * syncs it, renames it to its real name and syncs the shard directory before returning, so a crash
 * at any moment leaves either the whole blob under its name or nothing (plus a temp file that the
 * next open deletes). Receiving a blob that is already present costs a hash and a stat and writes
 * nothing. A {@link #newBatch() batch} writes its temp files without syncing; its commit makes them
 * durable with one {@code syncfs(2)} of the file system (Linux; elsewhere, or with {@link
 * Options#batchSyncfs()} off, with parallel per-file fsyncs), then renames them and makes the
 * renames durable (one more {@code syncfs}, or one fsync per touched shard directory). Its blobs
 * become visible at commit. A syncfs batch on Linux writes its blobs to files that have no name yet
 * ({@code O_TMPFILE} in {@code tmp/}, held open, up to {@link Options#unnamedTemps()} per store)
 * and its commit links them to their names: creating them searches and changes no directory, so the
 * writer never waits for a shard directory's blocks while a {@code syncfs} writes them out, and a
 * killed process leaves nothing behind (the kernel frees them; after a power loss, the file
 * system's orphan recovery does, or fsck on ext4 without a journal). A syncfs batch opens its file
 * system handle before its first write, so a write-back error from then on (also one in the
 * kernel's own background write-back) fails the commit, and it starts a background {@code syncfs}
 * every 64 MiB it writes, so the disk is busy while the caller hashes and the commit finds little
 * left to write. {@link #remove} syncs the directory before returning.
 *
 * <h2>Verification and corruption</h2>
 *
 * Every {@link #fetch} hashes what it read. On a mismatch the file is moved to {@code quarantine/}
 * (so nobody reads it again, and nothing is deleted), the ref is added to {@link #corruptRefs()},
 * every {@link CorruptionListener} is told, and {@link CorruptBlobException} is thrown. Storing a
 * good copy again (from a peer) repairs it: the quarantined copy is then deleted. A present file
 * whose size differs from a blob being received is treated the same way and replaced. A {@link
 * #fetchRange} verifies the 16 KiB groups it read against the blob's {@link Outboard} (kept in
 * memory), and treats a mismatch the same way. A range read that finds no outboard in memory loads
 * the one saved in {@code outboards/}, or else reads and verifies the whole blob and saves its
 * outboard (2 KiB per MiB of blob), so after a restart random reads again read only the groups they
 * touch. A saved outboard is only a cache: it is checked against the ref when loaded (a damaged or
 * torn one is deleted and computed again), not synced, and deleted with its blob.
 *
 * <h2>Concurrency</h2>
 *
 * All methods are safe for concurrent use. Concurrent receives of the same content write it once.
 * Out of scope: two processes on one root (the second {@link #open} fails), network filesystems
 * without atomic rename.
 */
public final class DiskBlobStore implements BlobStore {
  private static final Logger LOG = LoggerFactory.getLogger(DiskBlobStore.class);
  private static final AtomicBoolean OUTBOARDS_UNAVAILABLE_LOGGED = new AtomicBoolean();
  private static final String SUFFIX = ".blob";
  private static final String TEMP_SUFFIX = ".tmp";
  private static final String OUTBOARD_SUFFIX = ".ob";
  private static final int MAX_FETCH = Integer.MAX_VALUE - 16;
  private static final int IO_BUFFER = 256 * 1024;

  /** Bytes a batch may have copied and queued for its writer threads at once. */
  private static final int BATCH_BYTES_IN_FLIGHT = 32 << 20;

  /** Size of the reusable copy buffers of batch writes (the default chunker's largest chunk). */
  private static final int POOLED_BUFFER = 1 << 20;

  /** Unsynced bytes after which a batch starts writing back in the background. */
  private static final long EARLY_FLUSH_BYTES = 64 << 20;

  /** Idle copy buffers kept for reuse (a bound on the memory a finished ingest leaves behind). */
  private static final int MAX_IDLE_BUFFERS = 16;

  /**
   * Tuning for a store.
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
   * @param outboardCacheBytes heap for the {@link Outboard outboards} that let {@link #fetchRange}
   *     read and verify only the 16 KiB groups a range touches (about 2 KiB per MiB of blob, so 64
   *     MiB covers 32 GiB of content); 0 makes every range read verify its whole blob
   * @param readHandles blob files {@link #fetchRange} keeps open between reads (one descriptor
   *     each, closed when the blob is removed or quarantined); 0 opens and closes the file per read
   * @param unnamedTemps how many of its batches' blobs the store may hold as open files without a
   *     name ({@code O_TMPFILE}, one descriptor each) until their commit names them; past that, or
   *     where the file system has no unnamed files, or without syncfs, a batch writes named temp
   *     files. 0: named temp files only
   */
  public record Options(
      InstantSource clock,
      Duration accessFlushInterval,
      int syncThreads,
      boolean batchSyncfs,
      int batchWriteThreads,
      long outboardCacheBytes,
      int readHandles,
      int unnamedTemps) {
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
    }

    /**
     * System clock, access times flushed every 30 s, 16 sync threads, syncfs where available, no
     * batch writer threads (the caller writes: cas's {@code FileIngester} already stores from its
     * own threads, and handing each chunk on, with a copy, cost more CPU than it saved), 64 MiB of
     * outboards, up to 4,096 read handles and up to 8,192 unnamed temp files (each a quarter of the
     * process's descriptor limit at most).
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
          BlobHandles.defaultCapacity(8192));
    }

    public Options withClock(InstantSource c) {
      return new Options(
          c,
          accessFlushInterval,
          syncThreads,
          batchSyncfs,
          batchWriteThreads,
          outboardCacheBytes,
          readHandles,
          unnamedTemps);
    }

    public Options withAccessFlushInterval(Duration d) {
      return new Options(
          clock,
          d,
          syncThreads,
          batchSyncfs,
          batchWriteThreads,
          outboardCacheBytes,
          readHandles,
          unnamedTemps);
    }

    public Options withSyncThreads(int n) {
      return new Options(
          clock,
          accessFlushInterval,
          n,
          batchSyncfs,
          batchWriteThreads,
          outboardCacheBytes,
          readHandles,
          unnamedTemps);
    }

    public Options withBatchSyncfs(boolean on) {
      return new Options(
          clock,
          accessFlushInterval,
          syncThreads,
          on,
          batchWriteThreads,
          outboardCacheBytes,
          readHandles,
          unnamedTemps);
    }

    public Options withBatchWriteThreads(int n) {
      return new Options(
          clock,
          accessFlushInterval,
          syncThreads,
          batchSyncfs,
          n,
          outboardCacheBytes,
          readHandles,
          unnamedTemps);
    }

    public Options withOutboardCacheBytes(long bytes) {
      return new Options(
          clock,
          accessFlushInterval,
          syncThreads,
          batchSyncfs,
          batchWriteThreads,
          bytes,
          readHandles,
          unnamedTemps);
    }

    public Options withReadHandles(int n) {
      return new Options(
          clock,
          accessFlushInterval,
          syncThreads,
          batchSyncfs,
          batchWriteThreads,
          outboardCacheBytes,
          n,
          unnamedTemps);
    }

    public Options withUnnamedTemps(int n) {
      return new Options(
          clock,
          accessFlushInterval,
          syncThreads,
          batchSyncfs,
          batchWriteThreads,
          outboardCacheBytes,
          readHandles,
          n);
    }
  }

  private final Path casDir;
  private final Path tmpDir;
  private final Path quarantineDir;
  private final Path[] shardDirs = new Path[256];
  private final ReentrantLock[] shardLocks = new ReentrantLock[256];
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final AccessTracker access;
  private final AtomicLong bytesStored = new AtomicLong();
  private final AtomicLong blobCount = new AtomicLong();
  private final Set<BlobRef> corrupt = ConcurrentHashMap.newKeySet();
  private final List<CorruptionListener> listeners = new CopyOnWriteArrayList<>();
  private final ConcurrentHashMap<BlobRef, CompletableFuture<Void>> inflight =
      new ConcurrentHashMap<>();
  private final ScheduledExecutorService flusher;
  private final ExecutorService syncPool;

  /** Null when range reads verify whole blobs (no native BLAKE3, or a cache of 0 bytes). */
  private final OutboardCache outboards;

  /** Where outboards computed for range reads are saved: {@code outboards/{hh}/{hash}.ob}. */
  private final Path outboardDir;

  private final AtomicLong outboardLoads = new AtomicLong();
  private final AtomicLong outboardSaves = new AtomicLong();

  /** Open channels of blob files that range reads read from (invalidated on remove/quarantine). */
  private final BlobHandles handles;

  /** Null when batches write their temp files on the caller's thread. */
  private final ExecutorService batchWriters;

  private final AtomicInteger openBatches = new AtomicInteger();

  /**
   * Permits for unnamed temp files held open by batches; null when batches write named temp files
   * only (turned off, no syncfs, or the file system turned out not to support them).
   */
  private volatile Semaphore unnamedTemps;

  /** Unnamed temp files held open now, by any batch: closed by {@link #close()} at the latest. */
  private final Set<UnnamedTemp> heldUnnamed = ConcurrentHashMap.newKeySet();

  private final ConcurrentLinkedQueue<byte[]> idleBuffers = new ConcurrentLinkedQueue<>();
  private final boolean batchSyncfs;
  private volatile boolean closed;

  private DiskBlobStore(Path root, Options options) throws IOException {
    casDir = root.resolve("cas");
    outboards = outboardCache(options.outboardCacheBytes());
    handles = new BlobHandles(options.readHandles());
    batchSyncfs = options.batchSyncfs() && Fsync.hasSyncfs();
    tmpDir = casDir.resolve("tmp");
    quarantineDir = casDir.resolve("quarantine");
    outboardDir = casDir.resolve("outboards");
    boolean created = !Files.isDirectory(casDir);
    Files.createDirectories(casDir);
    lockChannel =
        FileChannel.open(
            casDir.resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock l;
    try {
      l = lockChannel.tryLock();
    } catch (OverlappingFileLockException e) {
      l = null;
    }
    if (l == null) {
      lockChannel.close();
      throw new IOException(
          "blob store " + casDir + " is already open (by this or another process)");
    }
    lock = l;
    try {
      for (Path d : List.of(tmpDir, quarantineDir)) {
        created |= !Files.isDirectory(d);
        Files.createDirectories(d);
      }
      for (int i = 0; i < 256; i++) {
        shardLocks[i] = new ReentrantLock();
        shardDirs[i] = casDir.resolve(String.format("%02x", i));
        if (!Files.isDirectory(shardDirs[i])) {
          Files.createDirectories(shardDirs[i]);
          created = true;
        }
      }
      if (created) {
        Fsync.directory(casDir);
        Fsync.directory(root);
      }
      cleanTemps();
      unnamedTemps =
          batchSyncfs && options.unnamedTemps() > 0 && unnamedFilesWork()
              ? new Semaphore(options.unnamedTemps())
              : null;
      access = AccessTracker.open(casDir.resolve("access"), options.clock());
      scanBlobs();
      scanQuarantine();
    } catch (IOException | RuntimeException e) {
      lock.release();
      lockChannel.close();
      throw e;
    }
    flusher =
        Executors.newSingleThreadScheduledExecutor(
            r -> daemon(r, "cas-access-flush " + casDir.getFileName()));
    long ms = options.accessFlushInterval().toMillis();
    flusher.scheduleWithFixedDelay(this::flushAccessQuietly, ms, ms, TimeUnit.MILLISECONDS);
    AtomicInteger n = new AtomicInteger();
    syncPool =
        Executors.newFixedThreadPool(
            options.syncThreads(), r -> daemon(r, "cas-sync-" + n.incrementAndGet()));
    batchWriters =
        options.batchWriteThreads() == 0
            ? null
            : Executors.newFixedThreadPool(
                options.batchWriteThreads(), r -> daemon(r, "cas-write-" + n.incrementAndGet()));
  }

  /** Opens (creating if needed) the store under {@code root} with {@link Options#defaults()}. */
  public static DiskBlobStore open(Path root) throws IOException {
    return open(root, Options.defaults());
  }

  /**
   * Opens (creating if needed) the store under {@code root}: deletes leftover temp files, loads
   * access times, and walks every blob once to count {@link #bytesStored()} (a cost proportional to
   * the number of blobs). The caller closes it.
   *
   * @throws IOException if the store is open elsewhere or the directory is unusable
   */
  public static DiskBlobStore open(Path root, Options options) throws IOException {
    return new DiskBlobStore(root, options);
  }

  // ---- fetch / stat ----

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    checkOpen();
    byte[] data = readVerified(ref, false);
    access.touch(ref);
    return data;
  }

  /**
   * Reads the blob file straight into {@code dst} and verifies it there, as {@link #fetch} does.
   */
  @Override
  public int fetchInto(BlobRef ref, byte[] dst) throws IOException {
    checkOpen();
    Path path = blobPath(ref);
    int n;
    Object fileKey;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > dst.length) {
        throw BlobFetcher.tooLong(ref, size, dst.length);
      }
      ByteBuffer b = ByteBuffer.wrap(dst, 0, (int) size);
      while (b.hasRemaining() && ch.read(b, b.position()) >= 0) {
        // until the file's bytes are read or it ends early (then the hash below fails)
      }
      n = b.position();
      fileKey = Files.readAttributes(path, BasicFileAttributes.class).fileKey();
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(ref);
    }
    verify(ref, dst, n, fileKey, false);
    access.touch(ref);
    return n;
  }

  /**
   * Reads and verifies only the 16 KiB groups of the blob that the range touches, when the blob's
   * {@link Outboard} is cached: a 4 KiB read of a 1 MiB blob reads 16 KiB (32 KiB across a group
   * boundary) and hashes as much. Otherwise it loads the outboard an earlier range read saved in
   * {@code outboards/}, or else reads and verifies the whole blob, as {@link #fetch} does, and
   * caches and saves its outboard, computed in the same pass as the hash ({@link #fetch} caches it
   * too, without saving: sequential reads need none). The blob file stays open for the next range
   * read ({@link Options#readHandles()}).
   *
   * <p>Groups that do not match their outboard make this re-read and verify the whole file, which
   * reports the blob corrupt and quarantines it exactly as {@link #fetch} does. Bytes appended
   * after a blob's end are not noticed by range reads (they are never returned); {@link #fetch}
   * notices them. Without the native BLAKE3 library (or with a cache of 0 bytes) every range read
   * verifies the whole blob. Counts as an access, as {@link #fetch} does.
   */
  @Override
  public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
    checkOpen();
    if (offset < 0 || length < 0) {
      throw new IllegalArgumentException("bad range: offset " + offset + ", length " + length);
    }
    Outboard outboard = outboards == null ? null : outboards.get(ref);
    if (outboard == null && outboards != null) {
      outboard = loadOutboard(ref);
    }
    byte[] range =
        outboard != null
            ? readRangeVerified(outboard, offset, length)
            : slice(ref, readVerified(ref, true), offset, length);
    access.touch(ref);
    return range;
  }

  /** How the outboard cache is doing. */
  public OutboardStats outboardStats() {
    return outboards == null
        ? new OutboardStats(0, 0, 0, 0, 0, 0)
        : new OutboardStats(
            outboards.entries(),
            outboards.sizeBytes(),
            outboards.hits(),
            outboards.misses(),
            outboardLoads.get(),
            outboardSaves.get());
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

  /**
   * The whole blob, verified; remembers its outboard when outboards are on. On a mismatch the file
   * is quarantined and reported, and this throws.
   */
  private byte[] readVerified(BlobRef ref, boolean persistOutboard) throws IOException {
    Path path = blobPath(ref);
    BasicFileAttributes attrs;
    byte[] data;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
      if (attrs.size() > MAX_FETCH) {
        throw new IOException(
            "blob " + ref + " is " + attrs.size() + " bytes, too large to fetch as one array");
      }
      data = Files.readAllBytes(path);
    } catch (NoSuchFileException e) {
      throw new BlobNotFoundException(ref);
    }
    verify(ref, data, data.length, attrs.fileKey(), persistOutboard);
    return data;
  }

  /**
   * Checks that {@code data[0, n)}, read from the blob file with {@code fileKey}, hashes to {@code
   * ref} (caching its outboard on the way, and with {@code persistOutboard} also saving it); if
   * not, quarantines the file and throws.
   */
  private void verify(BlobRef ref, byte[] data, int n, Object fileKey, boolean persistOutboard)
      throws IOException {
    BlobRef actual;
    if (outboards != null && n > Outboard.GROUP_SIZE && !outboards.contains(ref)) {
      Outboard outboard = Outboard.compute(data, 0, n);
      actual = outboard.ref();
      if (actual.equals(ref)) {
        outboards.put(outboard);
        if (persistOutboard) {
          saveOutboard(outboard);
        }
      }
    } else {
      actual = Blake3.hash(data, 0, n);
    }
    if (!actual.equals(ref)) {
      String detail = n + " bytes that hash to " + actual;
      quarantine(ref, fileKey, detail);
      throw new CorruptBlobException(ref, detail);
    }
  }

  /** Reads the groups covering the range and checks them against {@code outboard}. */
  private byte[] readRangeVerified(Outboard outboard, long offset, int length) throws IOException {
    BlobRef ref = outboard.ref();
    if (offset > outboard.size() - length) {
      throw pastEnd(ref, offset, length, outboard.size());
    }
    int first = outboard.groupOf(offset);
    int last = outboard.groupOf(length == 0 ? offset : offset + length - 1);
    long start = outboard.groupStart(first);
    int span = (int) (outboard.groupEnd(last) - start);
    // Small spans (the usual case) go through a pooled direct buffer: no heap copy of the groups,
    // and the native hash reads them in place.
    ByteBuffer groups = span <= RangeBuffers.SIZE ? RangeBuffers.take() : ByteBuffer.allocate(span);
    try {
      groups.clear().limit(span);
      try {
        handles.readFully(blobPath(ref), groups, start);
      } catch (NoSuchFileException e) {
        throw new BlobNotFoundException(ref);
      }
      boolean whole = !groups.hasRemaining();
      groups.flip();
      if (!whole || !outboard.verifies(first, groups)) {
        // The file does not hold these bytes of the blob. The whole-file check decides, with the
        // file's identity, and quarantines and reports it as fetch does (or, if the file was
        // replaced by a good copy meanwhile, returns the range from it).
        return slice(ref, readVerified(ref, false), offset, length);
      }
      byte[] out = new byte[length];
      groups.get((int) (offset - start), out);
      return out;
    } finally {
      if (groups.isDirect()) {
        RangeBuffers.give(groups);
      }
    }
  }

  private Path outboardPath(BlobRef ref) {
    String hex = ref.hex();
    return outboardDir.resolve(hex.substring(0, 2)).resolve(hex + OUTBOARD_SUFFIX);
  }

  /**
   * The saved outboard of {@code ref}, now also cached; null if none is saved or the saved one is
   * unusable (then it is deleted). Outboards are checked against the ref when decoded, so a damaged
   * or mixed-up file is never trusted.
   */
  private Outboard loadOutboard(BlobRef ref) {
    Path path = outboardPath(ref);
    byte[] encoded;
    try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size > Outboard.MAX_ENCODED_SIZE) {
        throw new IllegalArgumentException("saved outboard of " + size + " bytes is too large");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      while (b.hasRemaining() && ch.read(b) >= 0) {
        // until the whole file is read
      }
      encoded = b.array();
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      LOG.debug("cannot read the saved outboard of {}: {}", ref, e.toString());
      deleteQuietly(path);
      return null;
    }
    Outboard o;
    try {
      o = Outboard.decode(ref, encoded);
      // The ref pins the group CVs, not the exact size within the last group: take that from the
      // blob file (whose bytes the groups then verify).
      long fileSize = Files.size(blobPath(ref));
      if (o.size() != fileSize) {
        throw new IllegalArgumentException(
            "it describes " + o.size() + " bytes, the blob file holds " + fileSize);
      }
    } catch (NoSuchFileException e) {
      return null;
    } catch (IOException | IllegalArgumentException e) {
      // A crash while saving it, or damage: it is only a cache, computed again on the next read.
      LOG.debug("dropping the saved outboard of {}: {}", ref, e.toString());
      deleteQuietly(path);
      return null;
    }
    outboards.put(o);
    outboardLoads.incrementAndGet();
    return o;
  }

  /**
   * Saves {@code o} for range reads after a restart, unless it is saved already. Not synced: a file
   * lost or torn in a crash is noticed when loaded and computed again. Failing to save is only
   * logged.
   */
  private void saveOutboard(Outboard o) {
    if (closed) {
      return;
    }
    Path path = outboardPath(o.ref());
    byte[] encoded = o.encode();
    try {
      try {
        Files.write(path, encoded, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (NoSuchFileException e) {
        Files.createDirectories(path.getParent());
        Files.write(path, encoded, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      }
      outboardSaves.incrementAndGet();
    } catch (FileAlreadyExistsException e) {
      // Saved by an earlier read (or being saved by a concurrent one).
    } catch (IOException | RuntimeException e) {
      LOG.debug("could not save the outboard of {}: {}", o.ref(), e.toString());
      deleteQuietly(path);
    }
  }

  /** Reusable direct buffers for range reads: direct memory is slow to allocate and to free. */
  private static final class RangeBuffers {
    /** Ten groups: any range of up to 144 KiB + 1 byte, such as FUSE's largest read (128 KiB). */
    static final int SIZE = 10 * Outboard.GROUP_SIZE;

    /** At most this many idle buffers are kept (2.5 MiB); more threads allocate their own. */
    private static final BlockingQueue<ByteBuffer> FREE = new ArrayBlockingQueue<>(16);

    static ByteBuffer take() {
      ByteBuffer b = FREE.poll();
      return b != null ? b : ByteBuffer.allocateDirect(SIZE);
    }

    static void give(ByteBuffer b) {
      FREE.offer(b);
    }
  }

  private static byte[] slice(BlobRef ref, byte[] all, long offset, int length) {
    if (offset > all.length - length) {
      throw pastEnd(ref, offset, length, all.length);
    }
    return Arrays.copyOfRange(all, (int) offset, (int) offset + length);
  }

  private static IllegalArgumentException pastEnd(BlobRef ref, long offset, int length, long size) {
    return new IllegalArgumentException(
        "range ["
            + offset
            + ", "
            + (offset + length)
            + ") ends past the end of blob "
            + ref
            + " ("
            + size
            + " bytes)");
  }

  /** Size from the file system; does not read or verify the content, nor count as an access. */
  @Override
  public Optional<BlobInfo> stat(BlobRef ref) throws IOException {
    checkOpen();
    try {
      return Optional.of(new BlobInfo(ref, Files.size(blobPath(ref))));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  private static OutboardCache outboardCache(long bytes) {
    if (bytes == 0) {
      return null;
    }
    if (!Outboard.isAvailable()) {
      if (OUTBOARDS_UNAVAILABLE_LOGGED.compareAndSet(false, true)) {
        String why;
        try {
          why = "this JVM uses " + Blake3.implementation();
        } catch (IllegalStateException unusable) {
          why = unusable.getMessage();
        }
        LOG.warn("range reads verify whole blobs: outboards need native BLAKE3, and {}", why);
      }
      return null;
    }
    return new OutboardCache(bytes);
  }

  // ---- receive ----

  @Override
  public BlobRef receive(byte[] data, int off, int len) throws IOException {
    checkOpen();
    Objects.checkFromIndexSize(off, len, data.length);
    BlobRef ref = Blake3.hash(data, off, len);
    while (true) {
      if (isPresent(ref, len)) {
        access.touch(ref);
        return ref;
      }
      CompletableFuture<Void> mine = new CompletableFuture<>();
      CompletableFuture<Void> other = inflight.putIfAbsent(ref, mine);
      if (other != null) {
        // Someone is writing the same bytes: wait, then re-check (retry if they failed).
        other.exceptionally(e -> null).join();
        continue;
      }
      try {
        Path tmp = writeTemp(ref, data, off, len, true);
        publish(ref, tmp, len);
        access.touch(ref);
        mine.complete(null);
        return ref;
      } catch (IOException | RuntimeException e) {
        mine.completeExceptionally(e);
        throw e;
      } finally {
        inflight.remove(ref, mine);
      }
    }
  }

  /** Streams {@code in} to a temp file while hashing it; never holds the blob in memory. */
  @Override
  public BlobRef receive(InputStream in) throws IOException {
    checkOpen();
    Path tmp = newTemp();
    long size = 0;
    BlobRef ref;
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE);
        Blake3Hasher hasher = Blake3.newHasher()) {
      byte[] buf = new byte[IO_BUFFER];
      int n;
      while ((n = in.read(buf)) != -1) {
        hasher.update(buf, 0, n);
        writeFully(ch, ByteBuffer.wrap(buf, 0, n));
        size += n;
      }
      ref = hasher.finish();
      if (isPresent(ref, size)) {
        ch.close();
        Files.deleteIfExists(tmp);
        access.touch(ref);
        return ref;
      }
      ch.force(false);
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw translate(e, size);
    }
    publish(ref, tmp, size);
    access.touch(ref);
    return ref;
  }

  /**
   * A batch whose blobs are written unsynced and made durable together at {@link
   * BlobBatch#commit()}: one file-system sync (or a parallel round of file syncs), then renames,
   * then one more sync for the directories. Blobs become visible at commit. Temp files are written
   * by {@link Options#batchWriteThreads()} writer threads, so a write failure (such as {@link
   * NoSpaceLeftException}) is thrown by a later receive or by the commit. Closing without
   * committing deletes the uncommitted temp files (their blobs are not stored). One batch per
   * thread; many batches may run at once.
   */
  @Override
  public BlobBatch newBatch() {
    checkOpenUnchecked();
    openBatches.incrementAndGet();
    return new DiskBatch();
  }

  // ---- enumerate / remove ----

  /**
   * Lists shard directories in order; a page costs one directory listing per shard it touches.
   * Files that are not blobs (bad names) are skipped.
   */
  @Override
  public List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) throws IOException {
    checkOpen();
    if (limit <= 0) {
      return List.of();
    }
    String afterHex = after.map(BlobRef::hex).orElse(null);
    int shard = afterHex == null ? 0 : Integer.parseInt(afterHex.substring(0, 2), 16);
    List<BlobInfo> out = new ArrayList<>();
    for (; shard < 256 && out.size() < limit; shard++) {
      List<String> names = new ArrayList<>();
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(shardDirs[shard])) {
        for (Path p : ds) {
          String hex = refHex(p.getFileName().toString());
          if (hex != null && (afterHex == null || hex.compareTo(afterHex) > 0)) {
            names.add(hex);
          }
        }
      }
      names.sort(null);
      for (String hex : names) {
        if (out.size() == limit) {
          break;
        }
        try {
          long size = Files.size(shardDirs[shard].resolve(hex + SUFFIX));
          out.add(new BlobInfo(BlobRef.parse(hex), size));
        } catch (NoSuchFileException e) {
          // Removed concurrently.
        }
      }
    }
    return out;
  }

  @Override
  public boolean remove(BlobRef ref) throws IOException {
    checkOpen();
    Path path = blobPath(ref);
    ReentrantLock lock = shardLock(ref);
    lock.lock();
    try {
      long size;
      try {
        size = Files.size(path);
        Files.delete(path);
      } catch (NoSuchFileException e) {
        return false;
      }
      // After the delete: a channel opened before it is then either cached and closed here, or
      // never cached (see BlobHandles).
      handles.invalidate(path);
      Fsync.directory(path.getParent());
      bytesStored.addAndGet(-size);
      blobCount.decrementAndGet();
    } finally {
      lock.unlock();
    }
    deleteQuietly(outboardPath(ref));
    access.forget(ref);
    return true;
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
    java.nio.file.FileStore fs = Files.getFileStore(casDir);
    return new Usage(bytesStored.get(), blobCount.get(), fs.getUsableSpace(), fs.getTotalSpace());
  }

  /** Sum of the sizes of the blobs present (counted on open, kept up to date since). */
  public long bytesStored() {
    return bytesStored.get();
  }

  /** Number of blobs present. */
  public long blobCount() {
    return blobCount.get();
  }

  /** Bytes still available to this process on the disk under the store. */
  public long usableSpace() throws IOException {
    return Files.getFileStore(casDir).getUsableSpace();
  }

  /** Size of the disk under the store. */
  public long totalSpace() throws IOException {
    return Files.getFileStore(casDir).getTotalSpace();
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
    return Set.copyOf(corrupt);
  }

  public void addCorruptionListener(CorruptionListener listener) {
    listeners.add(Objects.requireNonNull(listener));
  }

  public void removeCorruptionListener(CorruptionListener listener) {
    listeners.remove(listener);
  }

  /** Where this store keeps its files ({@code {root}/cas}). */
  public Path directory() {
    return casDir;
  }

  /** Unnamed temp files that batches hold open now (for tests). */
  int unnamedTempsHeld() {
    return heldUnnamed.size();
  }

  /** Number of batches created and not yet closed. */
  public int openBatches() {
    return openBatches.get();
  }

  /**
   * Flushes access times, stops background work and releases the directory. Batches still open fail
   * from now on. Idempotent.
   */
  @Override
  public void close() throws IOException {
    if (closed) {
      return;
    }
    closed = true;
    handles.close();
    // A batch still open (or never closed) loses its unwritten blobs, as it would in a crash, but
    // does not keep their descriptors and disk space until the process exits.
    for (UnnamedTemp t : heldUnnamed) {
      t.discard();
    }
    flusher.shutdown();
    syncPool.shutdown();
    if (batchWriters != null) {
      batchWriters.shutdown();
    }
    try {
      flusher.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      access.close();
    } catch (IOException e) {
      // Losing recent access times is acceptable (see AccessTracker); a full disk must not keep
      // the store from closing.
      LOG.warn("could not save access times of {}: {}", casDir, e.toString());
    } finally {
      lock.release();
      lockChannel.close();
    }
  }

  // ---- internals ----

  private Path blobPath(BlobRef ref) {
    return shardDirs[shardIndex(ref)].resolve(ref.hex() + SUFFIX);
  }

  private static int shardIndex(BlobRef ref) {
    return ref.bytes()[0] & 0xff;
  }

  private ReentrantLock shardLock(BlobRef ref) {
    return shardLocks[shardIndex(ref)];
  }

  /** The 64 hex digits if {@code name} is a blob file name, else null. */
  private static String refHex(String name) {
    if (name.length() != 64 + SUFFIX.length() || !name.endsWith(SUFFIX)) {
      return null;
    }
    for (int i = 0; i < 64; i++) {
      char c = name.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        return null;
      }
    }
    return name.substring(0, 64);
  }

  /**
   * Whether {@code ref} is durably present with {@code size} bytes. A file of another size is
   * corrupt: it is quarantined and reported, and this returns false so the caller stores a good
   * copy.
   */
  private boolean isPresent(BlobRef ref, long size) throws IOException {
    Path path = blobPath(ref);
    BasicFileAttributes attrs;
    try {
      attrs = Files.readAttributes(path, BasicFileAttributes.class);
    } catch (NoSuchFileException e) {
      return false;
    }
    if (attrs.size() != size) {
      quarantine(ref, attrs.fileKey(), attrs.size() + " bytes on disk, expected " + size);
      return false;
    }
    // A publisher holds the shard lock from rename until its directory sync: wait for it, so
    // that we never report durable a blob whose name is not yet.
    ReentrantLock lock = shardLock(ref);
    lock.lock();
    lock.unlock();
    return true;
  }

  /** A temp file for a blob whose ref is not known yet (a stream). */
  private Path newTemp() throws IOException {
    return Files.createTempFile(tmpDir, "b", TEMP_SUFFIX);
  }

  /**
   * Writes a blob whose ref is known to a temp file in its own shard directory ({@code
   * {hash}.{random}.tmp}, never a blob name), so creating and renaming it touch one directory and
   * concurrent writers spread over 256 directories instead of contending for one.
   */
  private Path writeTemp(BlobRef ref, byte[] data, int off, int len, boolean sync)
      throws IOException {
    Path dir = shardDirs[shardIndex(ref)];
    if (!sync && Fsync.hasWriteNew()) {
      while (true) {
        Path tmp =
            dir.resolve(
                ref.hex()
                    + "."
                    + Long.toUnsignedString(ThreadLocalRandom.current().nextLong())
                    + TEMP_SUFFIX);
        try {
          if (Fsync.writeNew(tmp, data, off, len)) {
            return tmp;
          }
        } catch (IOException | RuntimeException e) {
          deleteQuietly(tmp);
          throw translate(e, len);
        }
      }
    }
    Path tmp = Files.createTempFile(dir, ref.hex() + ".", TEMP_SUFFIX);
    try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
      writeFully(ch, ByteBuffer.wrap(data, off, len));
      if (sync) {
        ch.force(false);
      }
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw translate(e, len);
    }
    return tmp;
  }

  /**
   * Writes a batch's copy of a blob: to an unnamed file while permits last (no directory is touched
   * until the commit names it), else to a named temp file. Not synced.
   */
  private Temp writeBatchTemp(BlobRef ref, byte[] data, int off, int len) throws IOException {
    Semaphore permits = unnamedTemps;
    if (permits != null && permits.tryAcquire()) {
      int fd;
      try {
        fd = Fsync.writeUnnamed(tmpDir, data, off, len);
      } catch (IOException | RuntimeException e) {
        permits.release();
        throw translate(e, len);
      }
      if (fd >= 0) {
        UnnamedTemp t = new UnnamedTemp(fd, permits);
        heldUnnamed.add(t);
        return t;
      }
      permits.release();
      if (fd == Fsync.UNNAMED_UNSUPPORTED) {
        unnamedTemps = null;
        LOG.info("{} has no unnamed files (O_TMPFILE): batches write named temp files", tmpDir);
      }
      // Else no descriptor was free: this blob gets a named temp file.
    }
    return new NamedTemp(writeTemp(ref, data, off, len, false));
  }

  /**
   * A buffer for a batch's copy of a blob of {@code len} bytes: a reused one when the blob fits.
   * Touching fresh memory is expensive on some virtual machines (a page fault per 4 KiB), and a
   * large ingest would otherwise allocate and fault in every chunk's copy.
   */
  private byte[] takeBuffer(int len) {
    if (len <= POOLED_BUFFER) {
      byte[] b = idleBuffers.poll();
      if (b != null) {
        return b;
      }
      return new byte[POOLED_BUFFER];
    }
    return new byte[len];
  }

  private void giveBack(byte[] b) {
    if (b.length == POOLED_BUFFER && idleBuffers.size() < MAX_IDLE_BUFFERS) {
      idleBuffers.offer(b);
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
    while (buf.hasRemaining()) {
      ch.write(buf);
    }
  }

  /** Renames a synced temp file to its real name and syncs the shard directory. */
  private void publish(BlobRef ref, Path tmp, long size) throws IOException {
    Path dst = blobPath(ref);
    ReentrantLock lock = shardLock(ref);
    lock.lock();
    try {
      if (!publishIfAbsent(ref, new NamedTemp(tmp), dst, size)) {
        return;
      }
      Fsync.directory(dst.getParent());
    } catch (IOException | RuntimeException e) {
      deleteQuietly(tmp);
      throw translate(e, size);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Under the shard lock: gives {@code tmp} the name {@code dst} unless a blob is already there
   * (then drops {@code tmp}). Returns whether it did. The caller syncs the directory.
   */
  private boolean publishIfAbsent(BlobRef ref, Temp tmp, Path dst, long size) throws IOException {
    if (Files.exists(dst)) {
      tmp.discard();
      return false;
    }
    tmp.publishAs(dst);
    bytesStored.addAndGet(size);
    blobCount.incrementAndGet();
    if (corrupt.remove(ref)) {
      deleteQuarantined(ref);
    }
    return true;
  }

  /**
   * Moves the blob file out of the way if it is still the file that was found bad (same {@code
   * fileKey}), then reports it.
   */
  private void quarantine(BlobRef ref, Object fileKey, String detail) throws IOException {
    Path path = blobPath(ref);
    Path dest;
    ReentrantLock lock = shardLock(ref);
    lock.lock();
    try {
      BasicFileAttributes now;
      try {
        now = Files.readAttributes(path, BasicFileAttributes.class);
      } catch (NoSuchFileException e) {
        return;
      }
      if (fileKey != null && !fileKey.equals(now.fileKey())) {
        return;
      }
      dest = quarantineDir.resolve(ref.hex() + SUFFIX);
      if (Files.exists(dest)) {
        dest = quarantineDir.resolve(ref.hex() + "." + System.nanoTime() + SUFFIX);
      }
      Files.move(path, dest, StandardCopyOption.ATOMIC_MOVE);
      handles.invalidate(path);
      Fsync.directory(quarantineDir);
      Fsync.directory(path.getParent());
      bytesStored.addAndGet(-now.size());
      blobCount.decrementAndGet();
      corrupt.add(ref);
    } finally {
      lock.unlock();
    }
    access.forget(ref);
    LOG.error("corrupt blob {} ({}): moved to {}", ref, detail, dest);
    for (CorruptionListener l : listeners) {
      try {
        l.corruptBlobFound(ref, dest, detail);
      } catch (RuntimeException e) {
        LOG.warn("corruption listener failed for {}", ref, e);
      }
    }
  }

  private void deleteQuarantined(BlobRef ref) {
    String prefix = ref.hex();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(quarantineDir, prefix + "*")) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      LOG.warn("could not delete quarantined copies of repaired blob {}", ref, e);
    }
  }

  private IOException translate(Throwable e, long size) {
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
              + casDir
              + ": could not store a blob of "
              + size
              + " bytes ("
              + free
              + " bytes free)",
          e);
    }
    if (e instanceof IOException io) {
      return io;
    }
    if (e instanceof RuntimeException r) {
      throw r;
    }
    return new IOException(e);
  }

  /**
   * Whether batches can write unnamed files here: one is created, named and deleted in {@code tmp/}
   * (so a file system without {@code O_TMPFILE}, or where they cannot be linked, is found out now
   * and not at a commit).
   */
  private boolean unnamedFilesWork() {
    if (!Fsync.hasUnnamed()) {
      return false;
    }
    Path probe =
        tmpDir.resolve(
            "probe." + Long.toUnsignedString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
    try {
      // Empty, so that a full disk does not look like a file system without unnamed files.
      int fd = Fsync.writeUnnamed(tmpDir, new byte[0], 0, 0);
      if (fd < 0) {
        LOG.info(
            "{} has no unnamed files (O_TMPFILE) or no descriptor is free: batches write named"
                + " temp files",
            tmpDir);
        return false;
      }
      try {
        Fsync.link(fd, probe);
      } finally {
        Fsync.close(fd);
      }
      return true;
    } catch (IOException | RuntimeException e) {
      LOG.info("unnamed files do not work in {} ({}): batches write named temp files", tmpDir, e);
      return false;
    } finally {
      deleteQuietly(probe);
    }
  }

  private void cleanTemps() throws IOException {
    int n = 0;
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmpDir)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
        n++;
      }
    }
    if (n > 0) {
      Fsync.directory(tmpDir);
      LOG.info("deleted {} temp files left over in {} by an earlier crash", n, tmpDir);
    }
  }

  private void scanBlobs() throws IOException {
    long bytes = 0;
    long count = 0;
    int temps = 0;
    for (Path shard : shardDirs) {
      try (DirectoryStream<Path> ds = Files.newDirectoryStream(shard)) {
        for (Path p : ds) {
          String name = p.getFileName().toString();
          String hex = refHex(name);
          if (hex == null) {
            if (name.endsWith(TEMP_SUFFIX)) {
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
    bytesStored.set(bytes);
    blobCount.set(count);
    if (temps > 0) {
      LOG.info("deleted {} temp files left in shard directories by an earlier crash", temps);
    }
  }

  private void scanQuarantine() throws IOException {
    Set<String> seen = new HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(quarantineDir)) {
      for (Path p : ds) {
        String name = p.getFileName().toString();
        if (name.length() >= 64) {
          String hex = name.substring(0, 64);
          if (seen.add(hex)) {
            try {
              BlobRef ref = BlobRef.parse(hex);
              if (Files.exists(blobPath(ref))) {
                deleteQuarantined(ref);
              } else {
                corrupt.add(ref);
              }
            } catch (IllegalArgumentException e) {
              LOG.warn("ignoring stray file {} in quarantine", p);
            }
          }
        }
      }
    }
  }

  private void flushAccessQuietly() {
    try {
      access.flush();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not persist access times for {}: {}", casDir, e.toString());
    }
  }

  private void checkOpen() throws IOException {
    if (closed) {
      throw new IOException("blob store " + casDir + " is closed");
    }
  }

  private void checkOpenUnchecked() {
    if (closed) {
      throw new IllegalStateException("blob store " + casDir + " is closed");
    }
  }

  private static void deleteQuietly(Path p) {
    try {
      Files.deleteIfExists(p);
    } catch (IOException e) {
      LOG.warn("could not delete temp file {}: {}", p, e.toString());
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** A blob of a batch being written (or written) to its temp file by a batch writer. */
  private record Pending(CompletableFuture<Temp> tmp, long size) {}

  /** A written, unsynced copy of a blob that is not a blob yet: named at commit, or dropped. */
  private interface Temp {
    /** Makes the content durable (batches that sync file by file). */
    void sync() throws IOException;

    /**
     * Under the shard lock, with no file at {@code dst}: gives the content that name.
     *
     * @throws NoSuchFileException if an earlier attempt already did
     */
    void publishAs(Path dst) throws IOException;

    /** Drops the content, if it is still there. Never throws. */
    void discard();
  }

  /** A temp file with a name ({@code {hash}.{random}.tmp} in the shard directory). */
  private record NamedTemp(Path path) implements Temp {
    @Override
    public void sync() throws IOException {
      Fsync.file(path);
    }

    @Override
    public void publishAs(Path dst) throws IOException {
      Files.move(path, dst, StandardCopyOption.ATOMIC_MOVE);
    }

    @Override
    public void discard() {
      deleteQuietly(path);
    }
  }

  /**
   * A file without a name, held open (one of the store's {@link #unnamedTemps} permits) until it is
   * named or dropped. The kernel frees it when it is closed without a name, also after a crash (on
   * file systems with a journal; without one, the next fsck does).
   */
  private final class UnnamedTemp implements Temp {
    private final int fd;
    private final Semaphore permits;

    // Guarded by this.
    private boolean open = true;
    private boolean named;

    UnnamedTemp(int fd, Semaphore permits) {
      this.fd = fd;
      this.permits = permits;
    }

    /** Never called: only syncfs batches write unnamed files, and they sync the file system. */
    @Override
    public void sync() {
      throw new IllegalStateException("unnamed temp files are synced by syncfs");
    }

    // Synchronized with discard(): a descriptor closed by the store's close() while being linked
    // could be reused by another file, which would then get the blob's name.
    @Override
    public synchronized void publishAs(Path dst) throws IOException {
      if (named) {
        throw new NoSuchFileException(dst.toString(), null, "named by an earlier commit");
      }
      if (!open) {
        throw new IOException("the blob for " + dst + " was dropped before its commit");
      }
      named = Fsync.link(fd, dst);
      close();
      if (!named) {
        throw new FileAlreadyExistsException(dst.toString());
      }
    }

    @Override
    public synchronized void discard() {
      if (open) {
        close();
      }
    }

    private void close() {
      open = false;
      Fsync.close(fd);
      permits.release();
      heldUnnamed.remove(this);
    }
  }

  private final class DiskBatch implements BlobBatch {
    private final Map<BlobRef, Pending> pending = new LinkedHashMap<>();
    private final Semaphore inFlight = new Semaphore(BATCH_BYTES_IN_FLIGHT);
    private volatile boolean writeFailed;
    private boolean done;

    /**
     * Opened before the first temp file is written (syncfs batches only), closed with the batch.
     */
    private Fsync.FileSystemHandle fs;

    private final AtomicLong unflushed = new AtomicLong();
    private final AtomicBoolean flushing = new AtomicBoolean();
    private volatile CompletableFuture<Void> earlyFlush = CompletableFuture.completedFuture(null);
    private volatile IOException earlyFlushError;

    /** The first failure to make this batch's temp files durable: every later commit fails. */
    private IOException syncFailure;

    /** The file system handle this batch syncs through, opened before its first write. */
    private void openFileSystem() throws IOException {
      if (batchSyncfs && fs == null) {
        fs = Fsync.openFileSystem(tmpDir);
      }
    }

    /**
     * Counts a written temp file; past {@link #EARLY_FLUSH_BYTES} unsynced bytes, starts a {@code
     * syncfs} in the background, so the disk writes while the caller goes on and the commit finds
     * little left. Its error, if any, fails the commit.
     */
    private void wrote(long len) {
      if (fs == null) {
        return;
      }
      if (unflushed.addAndGet(len) >= EARLY_FLUSH_BYTES && flushing.compareAndSet(false, true)) {
        unflushed.set(0);
        try {
          earlyFlush =
              CompletableFuture.runAsync(
                  () -> {
                    try {
                      fs.sync();
                    } catch (IOException e) {
                      earlyFlushError = e;
                    } finally {
                      flushing.set(false);
                    }
                  },
                  syncPool);
        } catch (RejectedExecutionException closed) {
          flushing.set(false);
        }
      }
    }

    @Override
    public BlobRef receive(byte[] data, int off, int len) throws IOException {
      checkBatch();
      Objects.checkFromIndexSize(off, len, data.length);
      BlobRef ref = Blake3.hash(data, off, len);
      if (pending.containsKey(ref)) {
        return ref;
      }
      if (isPresent(ref, len)) {
        access.touch(ref);
        return ref;
      }
      openFileSystem();
      if (batchWriters == null) {
        pending.put(
            ref,
            new Pending(
                CompletableFuture.completedFuture(writeBatchTemp(ref, data, off, len)), len));
        wrote(len);
        return ref;
      }
      // Creating thousands of small files is kernel work: let writer threads overlap it with the
      // caller's hashing and chunking. The caller's buffer is reused after we return: copy it.
      failIfAWriteFailed();
      byte[] copy = takeBuffer(len);
      int permits = Math.min(copy.length, BATCH_BYTES_IN_FLIGHT);
      try {
        inFlight.acquire(permits);
      } catch (InterruptedException e) {
        giveBack(copy);
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for batch writes");
      }
      System.arraycopy(data, off, copy, 0, len);
      CompletableFuture<Temp> tmp = new CompletableFuture<>();
      try {
        batchWriters.execute(
            () -> {
              try {
                tmp.complete(writeBatchTemp(ref, copy, 0, len));
                wrote(len);
              } catch (Throwable e) {
                tmp.completeExceptionally(e);
                writeFailed = true;
              } finally {
                giveBack(copy);
                inFlight.release(permits);
              }
            });
      } catch (RejectedExecutionException e) {
        giveBack(copy);
        inFlight.release(permits);
        throw new IOException("blob store " + casDir + " is closed", e);
      }
      pending.put(ref, new Pending(tmp, len));
      return ref;
    }

    private void failIfAWriteFailed() throws IOException {
      if (!writeFailed) {
        return;
      }
      for (Pending p : pending.values()) {
        if (p.tmp().isCompletedExceptionally()) {
          awaitTemp(p);
        }
      }
    }

    /** The temp file of {@code p}, once written; its write failure otherwise. */
    private Temp awaitTemp(Pending p) throws IOException {
      try {
        return p.tmp().get();
      } catch (ExecutionException e) {
        Throwable c = e.getCause();
        if (c instanceof IOException io) {
          throw io;
        }
        throw new IOException("batch write failed", c);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for batch writes");
      }
    }

    @Override
    public void commit() throws IOException {
      checkBatch();
      if (pending.isEmpty()) {
        return;
      }
      long bytes = 0;
      for (Pending p : pending.values()) {
        awaitTemp(p);
        bytes += p.size();
      }
      // 1. Make every temp file's content durable.
      if (syncFailure != null) {
        // Linux reports a write-back error once: a second syncfs would succeed, with the data
        // lost.
        throw new IOException("an earlier commit of this batch failed to sync", syncFailure);
      }
      if (batchSyncfs) {
        try {
          earlyFlush.join();
          if (earlyFlushError != null) {
            throw earlyFlushError;
          }
          fs.sync();
        } catch (IOException e) {
          syncFailure = e;
          throw translate(e, bytes);
        }
      } else {
        List<Future<?>> syncs = new ArrayList<>();
        for (Pending p : pending.values()) {
          syncs.add(syncPool.submit(() -> syncTemp(p)));
        }
        try {
          awaitAll(syncs);
        } catch (IOException e) {
          syncFailure = e;
          throw e;
        }
      }
      // 2. Rename to real names, 3. make the directories durable, holding each shard's lock from
      // its renames until its directory is durable.
      TreeMap<Integer, List<Map.Entry<BlobRef, Pending>>> byShard = new TreeMap<>();
      for (Map.Entry<BlobRef, Pending> e : pending.entrySet()) {
        byShard.computeIfAbsent(shardIndex(e.getKey()), k -> new ArrayList<>()).add(e);
      }
      if (batchSyncfs) {
        publishAllThenSyncfs(byShard);
      } else {
        List<Future<?>> renames = new ArrayList<>();
        for (Map.Entry<Integer, List<Map.Entry<BlobRef, Pending>>> s : byShard.entrySet()) {
          renames.add(syncPool.submit(() -> publishShard(s.getKey(), s.getValue())));
        }
        awaitAll(renames);
      }
      for (BlobRef ref : pending.keySet()) {
        access.touch(ref);
      }
      pending.clear();
    }

    private Void syncTemp(Pending p) throws IOException {
      try {
        p.tmp().join().sync();
        return null;
      } catch (IOException e) {
        throw translate(e, p.size());
      }
    }

    /** Locks the touched shards in ascending order (deadlock-free), renames, one syncfs. */
    private void publishAllThenSyncfs(TreeMap<Integer, List<Map.Entry<BlobRef, Pending>>> byShard)
        throws IOException {
      List<ReentrantLock> held = new ArrayList<>();
      try {
        for (int shard : byShard.keySet()) {
          shardLocks[shard].lock();
          held.add(shardLocks[shard]);
        }
        boolean renamed = false;
        for (List<Map.Entry<BlobRef, Pending>> entries : byShard.values()) {
          renamed |= renameAll(entries);
        }
        if (renamed) {
          try {
            fs.sync();
          } catch (IOException e) {
            // A retry would find the names in place and not sync them again.
            syncFailure = e;
            throw e;
          }
        }
      } finally {
        for (int i = held.size() - 1; i >= 0; i--) {
          held.get(i).unlock();
        }
      }
    }

    private Void publishShard(int shard, List<Map.Entry<BlobRef, Pending>> entries)
        throws IOException {
      ReentrantLock lock = shardLocks[shard];
      lock.lock();
      try {
        if (renameAll(entries)) {
          Fsync.directory(shardDirs[shard]);
        }
      } finally {
        lock.unlock();
      }
      return null;
    }

    /** Under the entries' shard lock. Returns whether anything was renamed. */
    private boolean renameAll(List<Map.Entry<BlobRef, Pending>> entries) throws IOException {
      boolean renamed = false;
      for (Map.Entry<BlobRef, Pending> e : entries) {
        Pending p = e.getValue();
        try {
          renamed |= publishIfAbsent(e.getKey(), p.tmp().join(), blobPath(e.getKey()), p.size());
        } catch (FileAlreadyExistsException | NoSuchFileException alreadyGone) {
          // NoSuchFile: an earlier, failed commit attempt already named it (renamed or linked).
          LOG.debug("batch rename of {}: {}", e.getKey(), alreadyGone.toString());
        }
      }
      return renamed;
    }

    private void awaitAll(List<Future<?>> futures) throws IOException {
      IOException first = null;
      for (Future<?> f : futures) {
        try {
          f.get();
        } catch (ExecutionException e) {
          Throwable c = e.getCause();
          if (first == null) {
            first = c instanceof IOException io ? io : new IOException(c);
          }
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IOException("interrupted while committing a batch", e);
        }
      }
      if (first != null) {
        throw first;
      }
    }

    @Override
    public void close() {
      if (done) {
        return;
      }
      done = true;
      openBatches.decrementAndGet();
      earlyFlush.join();
      if (fs != null) {
        fs.close();
      }
      for (Pending p : pending.values()) {
        // Wait for writes still running, then delete what they wrote.
        try {
          p.tmp().join().discard();
        } catch (CompletionException | CancellationException failedWrite) {
          // Nothing was left behind: a failed write deletes its named temp file, or closes its
          // unnamed one.
        }
      }
      pending.clear();
    }

    private void checkBatch() throws IOException {
      if (done) {
        throw new IllegalStateException("batch is closed");
      }
      checkOpen();
    }
  }
}
