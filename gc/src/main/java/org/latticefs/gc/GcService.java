package org.latticefs.gc;

import java.io.IOException;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.latticefs.cas.SpaceReclaimer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides when the {@link Collector} runs (see {@link GcSettings}) and runs it on a thread of its
 * own, one pass at a time: on a timer, past the quota's high watermark, for a writer that found no
 * room ({@link #reclaim}: it implements cas's {@link SpaceReclaimer}), and on demand ({@link
 * #collect}). Requests that arrive while a pass runs are served together by the next one.
 *
 * <p>Time comes from the injected clock: {@link #poll()} compares it with the next due time, and
 * the background thread calls it every {@link GcSettings#poll()} (tests call it directly). Counters
 * for metrics: {@link #stats()}. Thread-safe; {@link #close()} stops the thread after the running
 * pass.
 */
public final class GcService implements SpaceReclaimer, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(GcService.class);

  private final Collector collector;
  private final GcSettings settings;
  private final LongSupplier usedBytes;
  private final InstantSource clock;
  private final ScheduledExecutorService thread;

  private final Object lock = new Object();
  // Guarded by lock.
  private CompletableFuture<PassReport> next;
  private boolean running;
  private boolean closed;
  private Instant nextTimed;
  private long pressureFloor;

  private final AtomicLong passes = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong removedBlobs = new AtomicLong();
  private final AtomicLong removedBytes = new AtomicLong();
  private volatile PassReport last;
  private volatile CacheEvictor evictor;
  private final AtomicLong evictedBytes = new AtomicLong();
  private volatile Instant lastSuccess;

  /**
   * Counters since start, for {@code status} and metrics.
   *
   * @param passes passes run (dry runs not counted)
   * @param failures passes that threw
   * @param removedBlobs blobs removed by all passes
   * @param removedBytes their bytes
   * @param last the last pass's report (null before the first)
   * @param lastSuccess when the last pass that did not throw started (null before the first)
   */
  public record Stats(
      long passes,
      long failures,
      long removedBlobs,
      long removedBytes,
      PassReport last,
      Instant lastSuccess) {}

  /**
   * @param usedBytes the store's bytes counted against its quota now (cheap: read every poll)
   */
  public GcService(
      Collector collector, GcSettings settings, LongSupplier usedBytes, InstantSource clock) {
    this.collector = collector;
    this.settings = settings;
    this.usedBytes = usedBytes;
    this.clock = clock;
    this.nextTimed =
        settings.interval().isZero() ? null : clock.instant().plus(settings.interval());
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lattice-gc");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * After each pass that leaves usage above the quota's low watermark, evicts cached chunks of
   * on-demand stores down to it (see {@link CacheEvictor}); null: never.
   */
  public void setEvictor(CacheEvictor evictor) {
    this.evictor = evictor;
  }

  /** Bytes of cached chunks evicted since start. */
  public long evictedBytes() {
    return evictedBytes.get();
  }

  /** Starts the background checks (timer and watermark). */
  public GcService start() {
    long ms = settings.poll().toMillis();
    thread.scheduleWithFixedDelay(this::pollQuietly, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Requests a pass (see the class doc); the future completes with its report, or with the
   * exception it threw. A dry run runs on its own (it removes nothing, so nothing is shared).
   */
  public CompletableFuture<PassReport> collect(boolean dryRun, PassListener listener) {
    if (dryRun) {
      CompletableFuture<PassReport> f = new CompletableFuture<>();
      try {
        thread.execute(() -> runInto(f, true, listener));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        f.completeExceptionally(new IOException("the garbage collector is stopped"));
      }
      return f;
    }
    return request(listener);
  }

  /**
   * A writer found no room: waits (at most {@link GcSettings#reclaimWait()}) for a pass that starts
   * after this call, and returns whether it removed anything. Never called from the pass's thread.
   */
  private void evictIfNeeded() {
    CacheEvictor e = evictor;
    long used = usedBytes.getAsLong();
    if (e == null || settings.quotaBytes() <= 0 || used <= settings.lowBytes()) {
      return;
    }
    try {
      evictedBytes.addAndGet(e.evict(used - settings.lowBytes()).evictedBytes());
    } catch (IOException | RuntimeException ex) {
      LOG.warn("cache eviction failed: {}", ex.toString());
    }
  }

  @Override
  public boolean reclaim(long bytesNeeded) {
    if (Thread.currentThread().getName().equals("lattice-gc")) {
      return false;
    }
    try {
      PassReport r =
          request(PassListener.NONE).get(settings.reclaimWait().toMillis(), TimeUnit.MILLISECONDS);
      return r.removedBlobs() > 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("no space freed for a write of {} bytes: {}", bytesNeeded, e.toString());
      return false;
    }
  }

  /**
   * One check: starts a pass if the timer is due or usage is past the high watermark. Returns the
   * pass's future, or null if none was due.
   */
  public CompletableFuture<PassReport> poll() {
    Instant now = clock.instant();
    boolean timed;
    boolean pressure;
    synchronized (lock) {
      timed = nextTimed != null && !now.isBefore(nextTimed);
      long used = usedBytes.getAsLong();
      pressure = settings.quotaBytes() > 0 && used > settings.highBytes() && used > pressureFloor;
    }
    if (!timed && !pressure) {
      return null;
    }
    if (pressure) {
      LOG.info("usage passed {} of the quota: collecting", settings.highWatermark());
    }
    return request(PassListener.NONE);
  }

  /** Counters since start. */
  public Stats stats() {
    return new Stats(
        passes.get(), failures.get(), removedBlobs.get(), removedBytes.get(), last, lastSuccess);
  }

  /** Stops the background thread after the running pass; pending requests fail. */
  @Override
  public void close() {
    CompletableFuture<PassReport> pending;
    synchronized (lock) {
      closed = true;
      pending = running ? null : next;
      next = null;
    }
    thread.shutdown();
    try {
      if (!thread.awaitTermination(5, TimeUnit.MINUTES)) {
        LOG.warn("the garbage collector did not stop within 5 minutes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (pending != null) {
      pending.completeExceptionally(new IOException("the garbage collector stopped"));
    }
  }

  private void pollQuietly() {
    try {
      poll();
    } catch (RuntimeException e) {
      LOG.warn("garbage collector check failed", e);
    }
  }

  /** The next (not yet started) pass's future, scheduling it if it is not already. */
  private CompletableFuture<PassReport> request(PassListener listener) {
    synchronized (lock) {
      if (closed) {
        return CompletableFuture.failedFuture(new IOException("the garbage collector is stopped"));
      }
      if (next != null) {
        return next;
      }
      CompletableFuture<PassReport> f = new CompletableFuture<>();
      next = f;
      try {
        thread.execute(() -> runNext(listener));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        next = null;
        f.completeExceptionally(new IOException("the garbage collector is stopped"));
      }
      return f;
    }
  }

  private void runNext(PassListener listener) {
    CompletableFuture<PassReport> f;
    synchronized (lock) {
      f = next;
      next = null;
      if (f == null) {
        return;
      }
      running = true;
      if (nextTimed != null) {
        nextTimed = clock.instant().plus(settings.interval());
      }
    }
    try {
      runInto(f, false, listener);
    } finally {
      synchronized (lock) {
        running = false;
      }
    }
  }

  private void runInto(CompletableFuture<PassReport> f, boolean dryRun, PassListener listener) {
    try {
      PassReport r = collector.run(dryRun, listener);
      if (!dryRun) {
        passes.incrementAndGet();
        removedBlobs.addAndGet(r.removedBlobs());
        removedBytes.addAndGet(r.removedBytes());
        last = r;
        lastSuccess = r.startedAt();
        evictIfNeeded();
        synchronized (lock) {
          long used = usedBytes.getAsLong();
          // Above the low mark after removing all garbage: wait for that much growth again.
          pressureFloor =
              used > settings.lowBytes() ? used + (settings.highBytes() - settings.lowBytes()) : 0;
        }
      }
      f.complete(r);
    } catch (IOException | RuntimeException e) {
      if (!dryRun) {
        failures.incrementAndGet();
      }
      LOG.warn("garbage collection failed: {}", e.toString());
      f.completeExceptionally(e);
    }
  }
}
