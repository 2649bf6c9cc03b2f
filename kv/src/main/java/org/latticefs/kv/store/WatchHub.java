package org.latticefs.kv.store;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store.Change;
import org.latticefs.kv.state.KeyChange;
import org.latticefs.kv.state.StateView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The watchers of one store. {@link #register} and {@link #publish} run on the store's writer
 * thread, between applies, so a snapshot and the changes queued after it never overlap or leave a
 * gap. Each watcher has its own bounded queue and is delivered to by at most one pooled thread at a
 * time; on overflow its queue is replaced by a resnapshot marker and a fresh snapshot.
 */
final class WatchHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WatchHub.class);
  private static final AtomicInteger THREADS = new AtomicInteger();

  private final int capacity;
  private final Set<Watcher> watchers = ConcurrentHashMap.newKeySet();
  private final ExecutorService delivery =
      Executors.newCachedThreadPool(
          r -> {
            Thread t = new Thread(r, "kv-watch-" + THREADS.incrementAndGet());
            t.setDaemon(true);
            return t;
          });

  /** Takes a snapshot of the current state (called on the writer thread). */
  interface Snapshots {
    StateView take() throws KvException;
  }

  WatchHub(int capacity) {
    this.capacity = capacity;
  }

  /** Writer thread: starts a watcher with {@code snapshot} (which it will close). */
  Watcher register(String prefix, Consumer<Change> listener, StateView snapshot) {
    Watcher w = new Watcher(prefix, listener);
    watchers.add(w);
    w.start(snapshot);
    return w;
  }

  /** Writer thread: queues {@code changes} (in apply order) for every watcher they concern. */
  void publish(List<KeyChange> changes, Snapshots snapshots) {
    if (changes.isEmpty()) {
      return;
    }
    for (Watcher w : watchers) {
      w.offer(changes, snapshots);
    }
  }

  @Override
  public void close() {
    for (Watcher w : watchers) {
      w.close();
    }
    delivery.shutdown();
  }

  final class Watcher implements AutoCloseable {
    private final String prefix;
    private final Consumer<Change> listener;
    private final ArrayDeque<Change> queue = new ArrayDeque<>();
    private StateView pendingSnapshot;
    private boolean pendingMarker;
    private boolean scheduled;
    private boolean closed;
    private long generation;

    Watcher(String prefix, Consumer<Change> listener) {
      this.prefix = prefix;
      this.listener = listener;
    }

    synchronized void start(StateView snapshot) {
      pendingSnapshot = snapshot;
      generation++;
      schedule();
    }

    void offer(List<KeyChange> changes, Snapshots snapshots) {
      List<Change> mine = new ArrayList<>();
      for (KeyChange c : changes) {
        if (KeyBytes.startsWith(c.key(), prefix)) {
          mine.add(new Change(c.key(), c.heads(), false, false));
        }
      }
      if (mine.isEmpty()) {
        return;
      }
      synchronized (this) {
        if (closed) {
          return;
        }
        if (queue.size() + mine.size() > capacity) {
          queue.clear();
          if (pendingSnapshot != null) {
            pendingSnapshot.close();
            pendingSnapshot = null;
          }
          try {
            pendingSnapshot = snapshots.take();
          } catch (KvException e) {
            LOG.error("watch on '{}': cannot take a snapshot after overflow", prefix, e);
          }
          pendingMarker = true;
          generation++;
        } else {
          queue.addAll(mine);
        }
        schedule();
      }
    }

    private void schedule() {
      if (!scheduled && !closed) {
        scheduled = true;
        delivery.execute(this::drain);
      }
    }

    private synchronized boolean stale(long gen) {
      return closed || generation != gen;
    }

    private void drain() {
      while (true) {
        StateView snapshot;
        boolean marker;
        long gen;
        Change next = null;
        synchronized (this) {
          if (closed) {
            scheduled = false;
            return;
          }
          marker = pendingMarker;
          pendingMarker = false;
          snapshot = pendingSnapshot;
          pendingSnapshot = null;
          gen = generation;
          if (!marker && snapshot == null) {
            next = queue.poll();
            if (next == null) {
              scheduled = false;
              return;
            }
          }
        }
        if (marker) {
          deliver(Change.resnapshotMarker());
        }
        if (snapshot != null) {
          try (StateView view = snapshot) {
            view.scan(
                prefix,
                (key, heads) -> {
                  if (stale(gen)) {
                    return false;
                  }
                  if (!heads.get(0).isDeletion()) {
                    deliver(new Change(key, heads, true, false));
                  }
                  return true;
                });
          } catch (KvException | RuntimeException e) {
            LOG.error("watch on '{}': snapshot delivery failed", prefix, e);
          }
        } else if (next != null) {
          deliver(next);
        }
      }
    }

    private void deliver(Change change) {
      try {
        listener.accept(change);
      } catch (RuntimeException e) {
        LOG.warn("watch on '{}': listener failed on {}", prefix, change.key(), e);
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        if (closed) {
          return;
        }
        closed = true;
        queue.clear();
        if (pendingSnapshot != null) {
          pendingSnapshot.close();
          pendingSnapshot = null;
        }
      }
      watchers.remove(this);
    }
  }
}
