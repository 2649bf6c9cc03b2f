package org.latticefs.fs.core;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * How many inodes the stores hold, for {@code df -i}: counted on a thread of its own by listing
 * every store's {@code /inodes/} keys, at most once per {@value #REFRESH_SECONDS} s and only when
 * asked, so a {@code statfs} never waits for a scan of a large store (only the very first one waits
 * up to {@value #FIRST_WAIT_MILLIS} ms for the first count). Stores that cannot be opened (damaged)
 * are not counted. Thread-safe.
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
  private volatile long countedNanos;
  private CompletableFuture<Void> running;

  InodeCensus(StoreRoot root) {
    this.root = root;
  }

  /** The inodes counted last (a recount starts if that was long ago); 0 before any count. */
  long count() {
    CompletableFuture<Void> started = null;
    synchronized (this) {
      boolean stale =
          count < 0 || System.nanoTime() - countedNanos > TimeUnit.SECONDS.toNanos(REFRESH_SECONDS);
      if (stale && (running == null || running.isDone())) {
        running = CompletableFuture.runAsync(this::recount, worker);
      }
      if (count < 0) {
        started = running;
      }
    }
    if (started != null) {
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

  private void recount() {
    long total = 0;
    try {
      for (Stores.StoreInfo info : root.list()) {
        try {
          total += count(root.store(info.name()));
        } catch (IOException | RuntimeException e) {
          LOG.debug("not counting the inodes of store {}: {}", info.name(), e.toString());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("counting inodes failed", e);
      return;
    }
    count = total;
    countedNanos = System.nanoTime();
  }

  private static long count(StoreContext ctx) throws IOException {
    long n = 0;
    String after = null;
    while (true) {
      List<KeyValue> page = ctx.store.list("/inodes/", after, PAGE);
      n += page.size();
      if (page.size() < PAGE) {
        return n;
      }
      after = page.get(page.size() - 1).key();
    }
  }

  @Override
  public void close() {
    worker.shutdownNow();
  }
}
