package org.latticefs.mesh.sync;

import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks one at a time, in submission order, on a shared pool: the per-link order of ingests
 * (or of sends) without a thread per link. A task that throws is logged; the next one runs. Tasks
 * submitted after the pool shut down are dropped. Thread-safe.
 */
final class SerialExecutor implements Executor {
  private static final Logger LOG = LoggerFactory.getLogger(SerialExecutor.class);

  private final Executor pool;
  private final ArrayDeque<Runnable> queue = new ArrayDeque<>();
  private boolean running;

  SerialExecutor(Executor pool) {
    this.pool = pool;
  }

  @Override
  public void execute(Runnable task) {
    synchronized (this) {
      queue.add(task);
      if (running) {
        return;
      }
      running = true;
    }
    schedule();
  }

  private void schedule() {
    try {
      pool.execute(this::runOne);
    } catch (RejectedExecutionException shutDown) {
      synchronized (this) {
        queue.clear();
        running = false;
      }
    }
  }

  private void runOne() {
    Runnable task;
    synchronized (this) {
      task = queue.poll();
      if (task == null) {
        running = false;
        return;
      }
    }
    try {
      task.run();
    } catch (RuntimeException e) {
      LOG.error("a mesh task failed", e);
    }
    synchronized (this) {
      if (queue.isEmpty()) {
        running = false;
        return;
      }
    }
    schedule();
  }
}
