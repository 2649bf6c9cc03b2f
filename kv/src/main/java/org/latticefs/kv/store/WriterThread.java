package org.latticefs.kv.store;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.latticefs.kv.KvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that changes a store (appends, applies, registers watchers), and how other threads
 * hand it work and wait for the result. Tasks run in submission order; delayed tasks are dropped at
 * {@link #close} (the store syncs its logs itself after the last task).
 */
final class WriterThread implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriterThread.class);

  private final UUID storeId;
  private final ScheduledThreadPoolExecutor executor;
  private final Thread thread;

  /** Work done on the writer that may fail with a {@link KvException}. */
  @FunctionalInterface
  interface Task<T> {
    T run() throws KvException;
  }

  WriterThread(UUID storeId) throws KvException {
    this.storeId = storeId;
    this.executor =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "kv-writer-" + storeId.toString().substring(0, 8));
              t.setDaemon(true);
              return t;
            });
    executor.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
    this.thread = await(executor.submit(Thread::currentThread));
  }

  /** Whether the caller is the writer. */
  boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  /** Runs {@code task} on the writer (directly if already on it) and returns its result. */
  <T> T call(Task<T> task) throws KvException {
    if (isCurrent()) {
      return task.run();
    }
    return await(submit(task::run));
  }

  /** Queues {@code task}; the returned future completes with its result. */
  <T> Future<T> submit(Callable<T> task) throws KvException {
    try {
      return executor.submit(task);
    } catch (RejectedExecutionException e) {
      throw closed();
    }
  }

  /** Queues {@code task}, fire and forget. */
  void execute(Runnable task) throws KvException {
    try {
      executor.execute(task);
    } catch (RejectedExecutionException e) {
      throw closed();
    }
  }

  /** Runs {@code task} after {@code delay}; false if the writer is closing (then it never runs). */
  boolean schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(task, delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException closing) {
      return false;
    }
  }

  /** Runs {@code task} every {@code period}, first after one period, until closed. */
  void every(Duration period, Runnable task) {
    long ms = period.toMillis();
    executor.scheduleWithFixedDelay(task, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Waits for {@code f}; unwraps its failure (a KvException or runtime exception as thrown). */
  static <T> T await(Future<T> f) throws KvException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException("interrupted while waiting for the store's writer", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KvException k) {
        throw k;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      throw new KvException("store writer failed: " + cause, cause);
    }
  }

  private KvException closed() {
    return new KvException("store " + storeId + " is closed");
  }

  /** Refuses new work, lets queued work finish (up to a minute), drops delayed tasks. */
  @Override
  public void close() {
    executor.shutdown();
    try {
      if (!executor.awaitTermination(60, TimeUnit.SECONDS)) {
        LOG.warn("store {}: writer did not finish within 60 s", storeId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
