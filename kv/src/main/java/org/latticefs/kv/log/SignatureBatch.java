package org.latticefs.kv.log;

import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Checks the signatures of a batch of entries on a bounded set of threads: the one place kv spends
 * several cores on signatures (ingest from peers, log open, healing). Only the signature checks run
 * in parallel; what the caller does with the results (chain links, order, first bad entry) stays
 * sequential, so the outcome is the one a single thread would reach.
 *
 * <h2>Threads</h2>
 *
 * A batch is cut into slices of {@value #SLICE} entries that the calling thread and up to {@code
 * threads − 1} helper threads claim one at a time; the caller works too, so a batch never waits for
 * a helper: when every helper is busy with other batches (their queue holds at most {@value #QUEUE}
 * requests, more are dropped) the caller checks the whole batch itself. Helpers are daemon threads,
 * started on first use and ended after a minute idle. Thread-safe; any number of callers.
 */
public final class SignatureBatch {
  /** Entries one claim takes. */
  static final int SLICE = 8;

  private static final int QUEUE = 64;
  private static final SignatureBatch SHARED =
      new SignatureBatch(Runtime.getRuntime().availableProcessors());

  private final int threads;
  private final ThreadPoolExecutor helpers;

  /** A batch checker using at most {@code threads} threads (the caller's included), at least 1. */
  public SignatureBatch(int threads) {
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be at least 1: " + threads);
    }
    this.threads = threads;
    AtomicInteger made = new AtomicInteger();
    this.helpers =
        threads == 1
            ? null
            : new ThreadPoolExecutor(
                threads - 1,
                threads - 1,
                1,
                TimeUnit.MINUTES,
                new ArrayBlockingQueue<>(QUEUE),
                r -> {
                  Thread t = new Thread(r, "kv-verify-" + made.incrementAndGet());
                  t.setDaemon(true);
                  return t;
                },
                new ThreadPoolExecutor.DiscardPolicy());
    if (helpers != null) {
      helpers.allowCoreThreadTimeOut(true);
    }
  }

  /** The process's checker: one thread per core. */
  public static SignatureBatch shared() {
    return SHARED;
  }

  /** How many threads check one batch at most. */
  public int threads() {
    return threads;
  }

  /**
   * Checks every entry's signature.
   *
   * @return for each entry, in order, whether its signature is valid
   */
  public boolean[] check(List<SignedEntry> entries) {
    int n = entries.size();
    boolean[] valid = new boolean[n];
    int slices = (n + SLICE - 1) / SLICE;
    if (helpers == null || slices < 2) {
      for (int i = 0; i < n; i++) {
        valid[i] = entries.get(i).verifySignature();
      }
      return valid;
    }
    Job job = new Job(entries, valid, slices);
    for (int h = 0; h < Math.min(threads - 1, slices - 1); h++) {
      helpers.execute(job::work);
    }
    job.work();
    job.await();
    return valid;
  }

  /**
   * The index of the first entry whose signature is invalid, or -1 if all are valid.
   *
   * @see #check
   */
  public int firstInvalid(List<SignedEntry> entries) {
    boolean[] valid = check(entries);
    for (int i = 0; i < valid.length; i++) {
      if (!valid[i]) {
        return i;
      }
    }
    return -1;
  }

  /** One batch: slices claimed in order by whoever is free, counted down when checked. */
  private static final class Job {
    private final List<SignedEntry> entries;
    private final boolean[] valid;
    private final int slices;
    private final AtomicInteger next = new AtomicInteger();
    private final CountDownLatch done;
    private final AtomicReference<RuntimeException> failure = new AtomicReference<>();

    Job(List<SignedEntry> entries, boolean[] valid, int slices) {
      this.entries = entries;
      this.valid = valid;
      this.slices = slices;
      this.done = new CountDownLatch(slices);
    }

    void work() {
      int s;
      while ((s = next.getAndIncrement()) < slices) {
        try {
          int to = Math.min(entries.size(), (s + 1) * SLICE);
          for (int i = s * SLICE; i < to; i++) {
            valid[i] = entries.get(i).verifySignature();
          }
        } catch (RuntimeException e) {
          failure.compareAndSet(null, e);
        } finally {
          done.countDown();
        }
      }
    }

    /** Waits for the slices helpers took (CPU work that always ends); keeps an interrupt. */
    void await() {
      boolean interrupted = false;
      while (true) {
        try {
          done.await();
          break;
        } catch (InterruptedException e) {
          interrupted = true;
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      RuntimeException e = failure.get();
      if (e != null) {
        throw e;
      }
    }
  }
}
