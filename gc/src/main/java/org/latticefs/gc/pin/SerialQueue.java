package org.latticefs.gc.pin;

import java.io.IOException;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Runs one job per queued key, one at a time, on an executor's thread, in the order keys were
 * queued; a key queued again while it waits is queued once. What the pin reconciler and the mirror
 * share: their walks never overlap, and a caller can wait until nothing is queued or running.
 *
 * <p>Thread-safe. After {@link #close} nothing more is queued and the queue is emptied (a job
 * running then finishes on its own).
 */
final class SerialQueue<T> {
  /** The work done for one key. */
  @FunctionalInterface
  interface Job<T> {
    void run(T key) throws IOException;
  }

  private final Executor executor;
  private final Job<T> job;
  private final BiConsumer<T, Exception> failed;
  private final Object lock = new Object();
  // Guarded by lock.
  private final LinkedHashSet<T> queue = new LinkedHashSet<>();
  private boolean draining;
  private int busy;
  private boolean closed;

  /**
   * @param failed told of a job that threw (it does not stop the queue)
   */
  SerialQueue(Executor executor, Job<T> job, BiConsumer<T, Exception> failed) {
    this.executor = executor;
    this.job = job;
    this.failed = failed;
  }

  /** Queues {@code key} (once), unless closed. */
  void enqueue(T key) {
    synchronized (lock) {
      if (closed) {
        return;
      }
      queue.add(key);
      if (draining) {
        return;
      }
      draining = true;
    }
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      synchronized (lock) {
        draining = false;
        lock.notifyAll();
      }
    }
  }

  /** Waits until nothing is queued or running; false if {@code timeout} passed first. */
  boolean awaitIdle(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (busy > 0 || !queue.isEmpty()) {
        long left = end - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  /** Queues nothing more and forgets what waits. */
  void close() {
    synchronized (lock) {
      closed = true;
      queue.clear();
      lock.notifyAll();
    }
  }

  private void drain() {
    while (true) {
      T next;
      synchronized (lock) {
        if (queue.isEmpty() || closed) {
          draining = false;
          lock.notifyAll();
          return;
        }
        next = queue.iterator().next();
        queue.remove(next);
        busy++;
      }
      try {
        job.run(next);
      } catch (IOException | RuntimeException e) {
        failed.accept(next, e);
      } finally {
        synchronized (lock) {
          busy--;
          lock.notifyAll();
        }
      }
    }
  }
}
