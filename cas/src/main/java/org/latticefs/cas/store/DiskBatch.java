package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.NoSuchFileException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.io.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link DiskBlobStore} batch: blobs written unsynced and made durable together at {@link
 * #commit()}.
 *
 * <h2>Commit</h2>
 *
 * With syncfs (Linux): one {@code syncfs(2)} of the store's file system, then the renames (or links
 * of unnamed files) under the touched shards' locks, then one more {@code syncfs} for the
 * directories. Without: the temp files are synced in parallel, then each touched shard is renamed
 * into and its directory synced. Blobs become visible at commit.
 *
 * <h2>Write-back while the caller goes on</h2>
 *
 * A syncfs batch opens its file system handle before its first write, so a write-back error from
 * then on (also one in the kernel's own background write-back) fails the commit, and it starts a
 * background {@code syncfs} every {@value #EARLY_FLUSH_BYTES} bytes it writes, so the disk is busy
 * while the caller hashes and the commit finds little left to write. With writer threads ({@link
 * DiskBlobStore.Options#batchWriteThreads()}), temp files are written by them from a copy of the
 * caller's bytes (at most {@value #BYTES_IN_FLIGHT} bytes queued), so a write failure is thrown by
 * a later receive or by the commit.
 *
 * <p>Closing without committing deletes the uncommitted temp files. Used by one thread at a time.
 */
final class DiskBatch implements BlobBatch {
  private static final Logger LOG = LoggerFactory.getLogger(DiskBatch.class);

  /** Bytes a batch may have copied and queued for its writer threads at once. */
  static final int BYTES_IN_FLIGHT = 32 << 20;

  /** Unsynced bytes after which a batch starts writing back in the background. */
  static final long EARLY_FLUSH_BYTES = 64 << 20;

  /**
   * What every batch of one store shares.
   *
   * @param writers null when batches write their temp files on the caller's thread
   * @param checkOpen throws once the store is closed
   */
  record Shared(
      StoreDirectory dir,
      BlobWriter writer,
      SpaceBudget budget,
      AccessTracker access,
      boolean syncfs,
      ExecutorService syncPool,
      ExecutorService writers,
      CopyBuffers buffers,
      AtomicInteger openBatches,
      OpenCheck checkOpen) {}

  /** Throws if the store is closed. */
  @FunctionalInterface
  interface OpenCheck {
    void check() throws IOException;
  }

  /** A blob of the batch being written (or written) to its temp file. */
  private record Pending(CompletableFuture<Temp> tmp, long size) {}

  private final Shared s;
  private final Map<BlobRef, Pending> pending = new LinkedHashMap<>();
  private final Semaphore inFlight = new Semaphore(BYTES_IN_FLIGHT);
  private volatile boolean writeFailed;
  private boolean done;

  /** Opened before the first temp file is written (syncfs batches only), closed with the batch. */
  private Fsync.FileSystemHandle fs;

  private final AtomicLong unflushed = new AtomicLong();
  private final AtomicBoolean flushing = new AtomicBoolean();
  private volatile CompletableFuture<Void> earlyFlush = CompletableFuture.completedFuture(null);
  private volatile IOException earlyFlushError;

  /** The first failure to make this batch's temp files durable: every later commit fails. */
  private IOException syncFailure;

  /** Holds every ref this batch receives (null: none). */
  private final Hold hold;

  DiskBatch(Shared shared, Hold hold) {
    this.s = shared;
    this.hold = hold;
    shared.openBatches().incrementAndGet();
  }

  @Override
  public BlobRef receive(byte[] data, int off, int len) throws IOException {
    checkBatch();
    Objects.checkFromIndexSize(off, len, data.length);
    BlobRef ref = Blake3.hash(data, off, len);
    if (pending.containsKey(ref)) {
      return ref;
    }
    if (hold != null) {
      // Before looking for a present copy: a removal either happened already or now refuses.
      hold.hold(ref);
    }
    if (s.writer().countOn(ref, data, off, len)) {
      s.access().touch(ref);
      return ref;
    }
    openFileSystem();
    if (s.writers() == null) {
      Temp t = s.writer().writeBatchTemp(ref, data, off, len);
      pending.put(ref, new Pending(CompletableFuture.completedFuture(t), len));
      wrote(len);
      return ref;
    }
    // Creating thousands of small files is kernel work: let writer threads overlap it with the
    // caller's hashing and chunking. The caller's buffer is reused after we return: copy it.
    failIfAWriteFailed();
    byte[] copy = s.buffers().take(len);
    int permits = Math.min(copy.length, BYTES_IN_FLIGHT);
    try {
      inFlight.acquire(permits);
    } catch (InterruptedException e) {
      s.buffers().give(copy);
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while waiting for batch writes");
    }
    System.arraycopy(data, off, copy, 0, len);
    CompletableFuture<Temp> tmp = new CompletableFuture<>();
    try {
      s.writers()
          .execute(
              () -> {
                try {
                  tmp.complete(s.writer().writeBatchTemp(ref, copy, 0, len));
                  wrote(len);
                } catch (Throwable e) {
                  tmp.completeExceptionally(e);
                  writeFailed = true;
                } finally {
                  s.buffers().give(copy);
                  inFlight.release(permits);
                }
              });
    } catch (RejectedExecutionException e) {
      s.buffers().give(copy);
      inFlight.release(permits);
      throw new IOException("blob store " + s.dir().root() + " is closed", e);
    }
    pending.put(ref, new Pending(tmp, len));
    return ref;
  }

  @Override
  public void commit() throws IOException {
    checkBatch();
    if (pending.isEmpty()) {
      return;
    }
    long bytes = 0;
    for (Pending p : pending.values()) {
      Futures.await(p.tmp());
      bytes += p.size();
    }
    // 1. Make every temp file's content durable.
    if (syncFailure != null) {
      // Linux reports a write-back error once: a second syncfs would succeed, with the data lost.
      throw new IOException("an earlier commit of this batch failed to sync", syncFailure);
    }
    if (s.syncfs()) {
      try {
        earlyFlush.join();
        if (earlyFlushError != null) {
          throw earlyFlushError;
        }
        fs.sync();
      } catch (IOException e) {
        syncFailure = e;
        throw s.budget().translate(e, bytes);
      }
    } else {
      List<Future<?>> syncs = new ArrayList<>();
      for (Pending p : pending.values()) {
        syncs.add(s.syncPool().submit(() -> syncTemp(p)));
      }
      try {
        Futures.awaitAll(syncs);
      } catch (IOException e) {
        syncFailure = e;
        throw e;
      }
    }
    // 2. Rename to real names, 3. make the directories durable, holding each shard's lock from its
    // renames until its directory is durable.
    TreeMap<Integer, List<Map.Entry<BlobRef, Pending>>> byShard = new TreeMap<>();
    for (Map.Entry<BlobRef, Pending> e : pending.entrySet()) {
      byShard.computeIfAbsent(StoreDirectory.shardIndex(e.getKey()), k -> new ArrayList<>()).add(e);
    }
    if (s.syncfs()) {
      publishAllThenSyncfs(byShard);
    } else {
      List<Future<?>> renames = new ArrayList<>();
      for (Map.Entry<Integer, List<Map.Entry<BlobRef, Pending>>> e : byShard.entrySet()) {
        renames.add(s.syncPool().submit(() -> publishShard(e.getKey(), e.getValue())));
      }
      Futures.awaitAll(renames);
    }
    for (BlobRef ref : pending.keySet()) {
      s.access().touch(ref);
    }
    pending.clear();
  }

  @Override
  public void close() {
    if (done) {
      return;
    }
    done = true;
    s.openBatches().decrementAndGet();
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

  /** The file system handle this batch syncs through, opened before its first write. */
  private void openFileSystem() throws IOException {
    if (s.syncfs() && fs == null) {
      fs = Fsync.openFileSystem(s.dir().tmp());
    }
  }

  /**
   * Counts a written temp file; past {@link #EARLY_FLUSH_BYTES} unsynced bytes, starts a {@code
   * syncfs} in the background. Its error, if any, fails the commit.
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
                s.syncPool());
      } catch (RejectedExecutionException closed) {
        flushing.set(false);
      }
    }
  }

  private void failIfAWriteFailed() throws IOException {
    if (!writeFailed) {
      return;
    }
    for (Pending p : pending.values()) {
      if (p.tmp().isCompletedExceptionally()) {
        Futures.await(p.tmp());
      }
    }
  }

  private Void syncTemp(Pending p) throws IOException {
    try {
      p.tmp().join().sync();
      return null;
    } catch (IOException e) {
      throw s.budget().translate(e, p.size());
    }
  }

  /** Locks the touched shards in ascending order (deadlock-free), renames, one syncfs. */
  private void publishAllThenSyncfs(TreeMap<Integer, List<Map.Entry<BlobRef, Pending>>> byShard)
      throws IOException {
    List<ReentrantLock> held = new ArrayList<>();
    try {
      for (int shard : byShard.keySet()) {
        ReentrantLock l = s.dir().shardLock(shard);
        l.lock();
        held.add(l);
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
    ReentrantLock lock = s.dir().shardLock(shard);
    lock.lock();
    try {
      if (renameAll(entries)) {
        Fsync.directory(s.dir().shard(shard));
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
        renamed |= s.writer().publishIfAbsent(e.getKey(), p.tmp().join());
      } catch (FileAlreadyExistsException | NoSuchFileException alreadyGone) {
        // NoSuchFile: an earlier, failed commit attempt already named it (renamed or linked).
        LOG.debug("batch rename of {}: {}", e.getKey(), alreadyGone.toString());
      }
    }
    return renamed;
  }

  private void checkBatch() throws IOException {
    if (done) {
      throw new IllegalStateException("batch is closed");
    }
    s.checkOpen().check();
  }

  /**
   * Reusable buffers for batches' copies of blobs: touching fresh memory is expensive on some
   * virtual machines (a page fault per 4 KiB), and a large ingest would otherwise allocate and
   * fault in every chunk's copy. Thread-safe.
   */
  static final class CopyBuffers {
    /** Size of the reused buffers (the default chunker's largest chunk). */
    private static final int SIZE = 1 << 20;

    /** Idle buffers kept (a bound on the memory a finished ingest leaves behind). */
    private static final int MAX_IDLE = 16;

    private final ConcurrentLinkedQueue<byte[]> idle = new ConcurrentLinkedQueue<>();

    /** A buffer of at least {@code len} bytes: a reused one when the blob fits. */
    byte[] take(int len) {
      if (len <= SIZE) {
        byte[] b = idle.poll();
        return b != null ? b : new byte[SIZE];
      }
      return new byte[len];
    }

    void give(byte[] b) {
      if (b.length == SIZE && idle.size() < MAX_IDLE) {
        idle.offer(b);
      }
    }
  }
}
