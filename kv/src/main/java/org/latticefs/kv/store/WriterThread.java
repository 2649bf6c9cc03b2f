package org.latticefs.kv.store;

import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.kv.KvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one writer of a store (appends, applies, registers watchers): a thread that runs the tasks
 * other threads hand it, in submission order, and the <em>turn</em> that every change of the store
 * runs under, on that thread or, through {@link #runHere}, on the caller's own thread. At most one
 * thread holds the turn at a time, so the store still has one writer; a caller that takes it saves
 * the two thread hand-offs (there and back) a task on the writer thread costs. Delayed tasks are
 * dropped at {@link #close} (the store syncs its logs itself after the last task).
 */
final class WriterThread implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriterThread.class);

  private final UUID storeId;
  private final ScheduledThreadPoolExecutor executor;
  private final Thread thread;

  /** Held by whoever changes the store: a task on the writer thread, or a {@link #runHere}. */
  private final ReentrantLock turn = new ReentrantLock();

  /** Set (under {@link #turn}) once closed: {@link #runHere} refuses from then on. */
  private boolean closed;

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

  /** Whether the caller is the writer: the writer thread, or a thread inside {@link #runHere}. */
  boolean isCurrent() {
    return Thread.currentThread() == thread || turn.isHeldByCurrentThread();
  }

  /**
   * Runs {@code task} on the calling thread as the store's writer: waits for the turn (a task on
   * the writer thread, or another caller's, finishes first), runs, and gives it back. Refuses once
   * the writer is closing. For short work whose caller waits anyway (a commit); long or blocking
   * work belongs on the writer thread.
   */
  <T> T runHere(Task<T> task) throws KvException {
    if (isCurrent()) {
      return task.run();
    }
    turn.lock();
    try {
      if (closed || executor.isShutdown()) {
        throw closed();
      }
      return task.run();
    } finally {
      turn.unlock();
    }
  }

  /** {@code task} as run on the writer thread: under the turn. */
  private Runnable inTurn(Runnable task) {
    return () -> {
      turn.lock();
      try {
        task.run();
      } finally {
        turn.unlock();
      }
    };
  }

  private <T> Callable<T> inTurn(Callable<T> task) {
    return () -> {
      turn.lock();
      try {
        return task.call();
      } finally {
        turn.unlock();
      }
    };
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
      return executor.submit(inTurn(task));
    } catch (RejectedExecutionException e) {
      throw closed();
    }
  }

  /** Queues {@code task}, fire and forget. */
  void execute(Runnable task) throws KvException {
    try {
      executor.execute(inTurn(task));
    } catch (RejectedExecutionException e) {
      throw closed();
    }
  }

  /** Runs {@code task} after {@code delay}; false if the writer is closing (then it never runs). */
  boolean schedule(Runnable task, Duration delay) {
    try {
      executor.schedule(inTurn(task), delay.toNanos(), TimeUnit.NANOSECONDS);
      return true;
    } catch (RejectedExecutionException closing) {
      return false;
    }
  }

  /** Runs {@code task} every {@code period}, first after one period, until closed. */
  void every(Duration period, Runnable task) {
    long ms = period.toMillis();
    executor.scheduleWithFixedDelay(inTurn(task), ms, ms, TimeUnit.MILLISECONDS);
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

  /**
   * Refuses new work, lets queued work finish (up to a minute), drops delayed tasks, and waits for
   * a {@link #runHere} in progress: when it returns, nothing changes the store any more.
   */
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
    turn.lock();
    try {
      closed = true;
    } finally {
      turn.unlock();
    }
  }
}
