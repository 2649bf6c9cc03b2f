package org.latticefs.gc.pin;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.Hold;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Brings this node's pins from {@code pending} to {@code stored}: watches the node's pin keys in
 * the root store, and for each pin makes its whole tree present here ({@link TreeFetcher}: every
 * missing blob fetched through the fetch seam, verified, stored), then writes {@code stored} (with
 * the presence of a hash pin) in one entry ({@link PinBook#markStored}).
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>Restart-safe: the state lives in the root store only. A pin left {@code pending} by a crash
 *       is picked up by the next reconciler from the watch's first snapshot; what the first one
 *       fetched is found present and not fetched again. {@code stored} pins are walked once at
 *       start too (cheap lookups), so their progress and any blob lost since are known.
 *   <li>Follows content: for each store with inode pins it watches the store ({@link
 *       InodeTrees#watch}) and walks those pins again {@code debounce} after a change, so a file
 *       added under a pinned folder is fetched too.
 *   <li>A pin with blobs no source has stays {@code pending} and is walked again every {@code
 *       retry} (peers come and go).
 *   <li>An unpinned target's walk stops at its next blob; nothing is deleted by an unpin.
 * </ul>
 *
 * One walk at a time, on its own thread ({@code lattice-pins}); memory is the walk's (see {@link
 * TreeFetcher}) and a few counters per pin. Thread-safe; {@link #close} stops the walk in progress.
 */
public final class PinReconciler implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(PinReconciler.class);

  private final PinBook book;
  private final BlobStatter local;
  private final BlobFetcher fetcher;
  private final BlobHolder holder;
  private final InodeTrees trees;
  private final Duration retry;
  private final Duration debounce;
  private final ScheduledExecutorService thread;

  private final Map<PinTarget, PinProgress> progress = new ConcurrentHashMap<>();
  private final Map<UUID, AutoCloseable> storeWatches = new ConcurrentHashMap<>();

  private final SerialQueue<PinTarget> queue;
  private final Set<UUID> recheckScheduled = ConcurrentHashMap.newKeySet();

  private AutoCloseable pinWatch;

  /**
   * @param book this node's pins
   * @param local the local blob store's lookups (what is here)
   * @param fetcher the fetch seam: local store first, then peers
   * @param holder holds what a walk counts on until its pin is stored
   * @param trees the filesystem's inode trees, for inode pins
   * @param retry how often pins that could not be completed are tried again
   * @param debounce how long after a change of a store its inode pins are walked again
   */
  public PinReconciler(
      PinBook book,
      BlobStatter local,
      BlobFetcher fetcher,
      BlobHolder holder,
      InodeTrees trees,
      Duration retry,
      Duration debounce) {
    this.book = book;
    this.local = local;
    this.fetcher = fetcher;
    this.holder = holder;
    this.trees = trees;
    this.retry = retry;
    this.debounce = debounce;
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "lattice-pins");
              t.setDaemon(true);
              return t;
            });
    this.queue =
        new SerialQueue<>(
            thread,
            this::reconcile,
            (t, e) -> {
              LOG.warn("pin {} failed: {}", t.text(), e.toString());
              progressOf(t).failed(e.getMessage() == null ? e.toString() : e.getMessage());
            });
  }

  /** Starts watching this node's pins (and retrying incomplete ones). */
  public PinReconciler start() throws KvException {
    pinWatch = book.root().watch(PinKeys.pins(book.node()), this::pinChanged);
    // The watch's first snapshot queues them too, on its own thread; queue them now, so a caller
    // that waits for idle after start waits for them.
    try {
      book.forEach(
          pin -> {
            if (pin.target() instanceof PinTarget.Inode in) {
              watchStore(in.store());
            }
            enqueue(pin.target());
          });
    } catch (KvException e) {
      throw e;
    } catch (IOException e) {
      throw new KvException("listing this node's pins failed: " + e.getMessage(), e);
    }
    long ms = Math.max(1, retry.toMillis());
    thread.scheduleWithFixedDelay(this::retryIncomplete, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  /**
   * Pins {@code target} ({@link PinBook#add}) and queues its walk at once (the watch would queue it
   * too, a moment later). Returns the pin as written.
   */
  public Pin add(PinTarget target) throws KvException {
    Pin pin = book.add(target);
    enqueue(target);
    return pin;
  }

  /**
   * Walks {@code target} now, on the calling thread (for a data directory opened without a daemon),
   * and returns what it found. Writes {@code stored} if the pin is whole.
   */
  public PinStatus reconcileNow(PinTarget target) throws IOException {
    reconcile(target);
    Optional<PinState> s = book.state(target);
    PinProgress p = progressOf(target);
    return p.status(new Pin(target, s.orElse(PinState.PENDING)));
  }

  /** Every pin of this node with what this reconciler knows of it, in key order. */
  public List<PinStatus> status() throws IOException {
    List<PinStatus> out = new ArrayList<>();
    book.forEach(pin -> out.add(progressOf(pin.target()).status(pin)));
    return out;
  }

  /**
   * Waits until no pin is queued or being walked (for tests and the CLI's {@code --wait}); returns
   * false if {@code timeout} passed first.
   */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return queue.awaitIdle(timeout);
  }

  private PinProgress progressOf(PinTarget t) {
    return progress.computeIfAbsent(t, k -> new PinProgress());
  }

  private void pinChanged(Store.Change c) {
    try {
      if (c.resnapshot()) {
        book.forEach(pin -> enqueue(pin.target()));
        return;
      }
      Optional<PinTarget> t = PinKeys.parse(book.node(), c.key());
      if (t.isEmpty()) {
        return;
      }
      boolean gone = c.heads().isEmpty() || c.heads().get(0).isDeletion();
      if (gone) {
        PinProgress p = progress.remove(t.get());
        if (p != null) {
          p.cancel();
        }
        return;
      }
      if (t.get() instanceof PinTarget.Inode in) {
        watchStore(in.store());
      }
      Optional<PinState> s = PinState.parse(c.heads().get(0).value());
      // A pin just marked stored by this reconciler needs no second walk.
      if (s.isPresent() && (s.get() == PinState.PENDING || c.snapshot())) {
        enqueue(t.get());
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("reading pin change {} failed: {}", c.key(), e.toString());
    }
  }

  private void watchStore(UUID store) {
    storeWatches.computeIfAbsent(
        store,
        s -> {
          try {
            return trees.watch(s, () -> storeChanged(s));
          } catch (IOException e) {
            LOG.warn("cannot follow store {} for its pins: {}", s, e.toString());
            return () -> {};
          }
        });
  }

  private void storeChanged(UUID store) {
    if (queue.isClosed() || !recheckScheduled.add(store)) {
      return;
    }
    try {
      thread.schedule(
          () -> {
            recheckScheduled.remove(store);
            for (PinTarget t : progress.keySet()) {
              if (t instanceof PinTarget.Inode in && in.store().equals(store)) {
                enqueue(t);
              }
            }
          },
          debounce.toMillis(),
          TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * Walks again, soon, every pin not yet whole here (a peer came up that may have what was
   * missing), without waiting for the next {@code retry}.
   */
  public void retryNow() {
    try {
      thread.execute(this::retryIncomplete);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void retryIncomplete() {
    try {
      book.forEach(
          pin -> {
            PinProgress p = progress.get(pin.target());
            if (pin.state() == PinState.PENDING || p == null || !p.isComplete()) {
              enqueue(pin.target());
            }
          });
    } catch (IOException | RuntimeException e) {
      LOG.warn("listing pins to retry failed: {}", e.toString());
    }
  }

  private void enqueue(PinTarget t) {
    progressOf(t);
    queue.enqueue(t);
  }

  /** One walk of one pin (see the class doc). */
  private void reconcile(PinTarget target) throws IOException {
    Optional<PinState> state = book.state(target);
    if (state.isEmpty()) {
      progress.remove(target);
      return;
    }
    PinProgress p = progressOf(target);
    p.start();
    try (Hold hold = holder.newHold()) {
      TreeFetcher walk = new TreeFetcher(local, fetcher, hold, p);
      List<String> problems = new ArrayList<>();
      if (target instanceof PinTarget.Manifest m) {
        walk.ensure(m.ref());
      } else if (target instanceof PinTarget.Inode in
          && !trees.forEach(in.store(), in.id(), walk::ensure)) {
        problems.add("no such file or folder (deleted, or its store was removed)");
      }
      problems.addAll(walk.problems());
      if (p.cancelled()) {
        return;
      }
      if (walk.missing() == 0 && problems.isEmpty()) {
        // Written before the hold closes: from here on the pin itself keeps the tree.
        book.markStored(target);
      } else if (state.get() == PinState.PENDING) {
        LOG.info(
            "pin {} is still pending: {} blob(s) could not be had ({})",
            target.text(),
            walk.missing(),
            problems.isEmpty() ? "" : problems.get(0));
      } else {
        LOG.warn(
            "pin {} is stored but {} blob(s) of it are missing here ({})",
            target.text(),
            walk.missing(),
            problems.isEmpty() ? "" : problems.get(0));
      }
      p.finish(problems);
    }
  }

  @Override
  public void close() {
    queue.close();
    for (PinProgress p : progress.values()) {
      p.cancel();
    }
    closeQuietly(pinWatch);
    for (AutoCloseable w : storeWatches.values()) {
      closeQuietly(w);
    }
    thread.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("closing a watch failed", e);
    }
  }
}
