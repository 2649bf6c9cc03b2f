package org.latticefs.fs.core;

import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.latticefs.fs.StoreUsage;
import org.latticefs.fs.inode.CorruptInodeException;
import org.latticefs.fs.inode.Inode;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many inodes the stores hold, for {@code df -i} and, per store, files and their bytes for the
 * status page: counted on a thread of its own by listing every store's {@code /inodes/} keys, at
 * most once per {@value #REFRESH_SECONDS} s and only when asked, so a {@code statfs} never waits
 * for a scan of a large store (only the very first one waits up to {@value #FIRST_WAIT_MILLIS} ms
 * for the first count). Stores that cannot be opened (damaged) are not counted. Thread-safe.
 */
final class InodeCensus implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(InodeCensus.class);
  static final long REFRESH_SECONDS = 30;
  static final long FIRST_WAIT_MILLIS = 2000;
  private static final int PAGE = 1024;

  private final StoreRoot root;
  private final ExecutorService worker =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lattice-inode-census");
            t.setDaemon(true);
            return t;
          });
  private volatile long count = -1;
  private volatile Map<UUID, StoreUsage> perStore = Map.of();
  private volatile long countedNanos;
  private CompletableFuture<Void> running;

  InodeCensus(StoreRoot root) {
    this.root = root;
  }

  /**
   * Per store (by id), what the last count found; a recount starts if that was long ago. Never
   * waits: empty before the first count ends, and a store missing from it was not counted.
   */
  Map<UUID, StoreUsage> perStore() {
    startIfStale();
    return perStore;
  }

  /** The inodes counted last (a recount starts if that was long ago); 0 before any count. */
  long count() {
    CompletableFuture<Void> started = startIfStale();
    if (count < 0 && started != null) {
      try {
        started.get(FIRST_WAIT_MILLIS, TimeUnit.MILLISECONDS);
      } catch (TimeoutException | ExecutionException e) {
        // Answer with what is known; the count finishes in the background.
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return Math.max(0, count);
  }

  /** Starts a count unless one runs or the last is recent; returns the one running, if any. */
  private synchronized CompletableFuture<Void> startIfStale() {
    boolean stale =
        count < 0 || System.nanoTime() - countedNanos > TimeUnit.SECONDS.toNanos(REFRESH_SECONDS);
    if (stale && (running == null || running.isDone())) {
      running = CompletableFuture.runAsync(this::recount, worker);
    }
    return running;
  }

  private void recount() {
    long total = 0;
    Map<UUID, StoreUsage> counted = new HashMap<>();
    try {
      for (Stores.StoreInfo info : root.list()) {
        try {
          StoreUsage u = count(root.store(info.name()));
          counted.put(info.id(), u);
          total += u.inodes();
        } catch (IOException | RuntimeException e) {
          LOG.debug("not counting the inodes of store {}: {}", info.name(), e.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("counting inodes failed", e);
      return;
    }
    perStore = Map.copyOf(counted);
    count = total;
    countedNanos = System.nanoTime();
  }

  private static StoreUsage count(StoreContext ctx) throws IOException {
    long n = 0;
    long files = 0;
    long bytes = 0;
    long unreadable = 0;
    String after = null;
    while (true) {
      List<KeyValue> page = ctx.store.list("/inodes/", after, PAGE);
      n += page.size();
      for (KeyValue kv : page) {
        try {
          Inode inode = Inode.decode(kv.value());
          if (inode.kind() == Inode.Kind.FILE) {
            files++;
            bytes += inode.size();
          }
        } catch (CorruptInodeException e) {
          unreadable++;
        }
      }
      if (page.size() < PAGE) {
        return new StoreUsage(n, files, bytes, unreadable);
      }
      after = page.get(page.size() - 1).key();
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
