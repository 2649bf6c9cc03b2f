package org.latticefs.cas.store;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The background threads of a disk store, all daemons: one that flushes access times every {@link
 * DiskBlobStore.Options#accessFlushInterval()}, a pool that syncs and renames a batch's files in
 * parallel and runs its early write-backs, and, if asked for, a pool that writes a batch's temp
 * files. {@link #close()} stops them all.
 */
final class StoreThreads {
  private final ScheduledExecutorService flusher;
  private final ExecutorService syncPool;
  private final ExecutorService batchWriters;

  /**
   * Starts the threads; {@code flushAccess} runs periodically on the flusher (it must not throw).
   */
  StoreThreads(String name, DiskBlobStore.Options options, Runnable flushAccess) {
    flusher =
        Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "cas-access-flush " + name));
    long ms = options.accessFlushInterval().toMillis();
    flusher.scheduleWithFixedDelay(flushAccess, ms, ms, TimeUnit.MILLISECONDS);
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

  ExecutorService syncPool() {
    return syncPool;
  }

  /** Null when batches write their temp files on the caller's thread. */
  ExecutorService batchWriters() {
    return batchWriters;
  }

  /**
   * Stops taking work; waits (up to 10 s) for a flush that is running. Work already queued in the
   * pools runs to its end.
   */
  void close() {
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
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
