package org.latticefs.gc.pin;

import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobHolder;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.Hold;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors the stores this node keeps {@code full}: as entries arrive, fetches every file's bytes in
 * the background until each such store is whole here, then says so once ({@link
 * Presence#claimWholeStore}); the redundancy a second NAS is bought for.
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>A walk of one store ({@link MirrorWalk}) holds every blob the store reaches, fetches what
 *       is missing with at most {@code concurrency} chunks in flight, and stores each verified.
 *   <li>Walks again {@code debounce} after a change of a full store's tree (new files), every
 *       {@code retry} for stores not yet whole, and at once on {@link #kick} (a peer came up, a
 *       store became {@code full}).
 *   <li>Resumable: the state is the store's tree and the local blob store; a restart walks again
 *       and fetches only what is still missing.
 *   <li>Reads come first: the remote fetcher it is given is the background one (the composition
 *       root makes it wait while reads of the mount wait for peers).
 * </ul>
 *
 * One walk at a time on its own thread ({@code lattice-mirror}) plus {@code concurrency} fetching
 * threads. Thread-safe; {@link #close} stops the walk in progress.
 */
public final class StoreMirror implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreMirror.class);

  /** The id of every store's root folder, as the filesystem writes it. */
  static final String ROOT_INODE = "0000000000000001";

  private final Stores stores;
  private final Presence presence;
  private final BlobFetcher localReads;
  private final BlobStatter statter;
  private final BlobFetcher remote;
  private final BlobHolder holder;
  private final InodeTrees trees;
  private final InstantSource clock;
  private final Duration retry;
  private final Duration debounce;
  private final ScheduledExecutorService thread;
  private final ExecutorService fetchers;
  private final int concurrency;
  private final MirrorStats stats = new MirrorStats();
  private final Map<UUID, AutoCloseable> watches = new ConcurrentHashMap<>();
  private final Map<UUID, MirrorStats.Store> perStore = new ConcurrentHashMap<>();

  private final SerialQueue<UUID> queue;

  /**
   * @param localReads the local blob store's reads (never peers)
   * @param statter the local blob store's lookups
   * @param remote where missing blobs come from: peers, each blob verified against its ref
   * @param holder holds what a walk counts on, and stores what it fetched
   * @param concurrency most chunks fetched at once
   */
  public StoreMirror(
      Stores stores,
      Presence presence,
      BlobFetcher localReads,
      BlobStatter statter,
      BlobFetcher remote,
      BlobHolder holder,
      InodeTrees trees,
      InstantSource clock,
      int concurrency,
      Duration retry,
      Duration debounce) {
    if (concurrency < 1) {
      throw new IllegalArgumentException("concurrency must be at least 1");
    }
    this.stores = stores;
    this.presence = presence;
    this.localReads = localReads;
    this.statter = statter;
    this.remote = remote;
    this.holder = holder;
    this.trees = trees;
    this.clock = clock;
    this.concurrency = concurrency;
    this.retry = retry;
    this.debounce = debounce;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "lattice-mirror"));
    this.fetchers =
        Executors.newFixedThreadPool(concurrency, r -> daemon(r, "lattice-mirror-fetch"));
    this.queue =
        new SerialQueue<>(
            thread,
            this::mirror,
            (store, e) -> {
              LOG.warn("mirroring store {} failed: {}", store, e.toString());
              perStore.computeIfAbsent(store, k -> stats.store()).failed(e.toString());
            });
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Starts: walks every full store now, then as they change and every {@code retry}. */
  public StoreMirror start() {
    kick();
    long ms = Math.max(1, retry.toMillis());
    thread.scheduleWithFixedDelay(this::kick, ms, ms, TimeUnit.MILLISECONDS);
    return this;
  }

  /** Queues a walk of every full store not known whole here (and follows new stores). */
  public void kick() {
    try {
      for (Stores.StoreInfo s : stores.listStores()) {
        if (presence.mode(presence.node(), s.id()) != StoreMode.FULL) {
          continue;
        }
        follow(s.id());
        MirrorStats.Store st = perStore.get(s.id());
        if (st == null || !st.whole() || !presence.holdsWholeStore(presence.node(), s.id())) {
          enqueue(s.id());
        }
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("listing the stores to mirror failed: {}", e.toString());
    }
  }

  /** What the mirror did since it started (a counter record for metrics). */
  public MirrorStats stats() {
    return stats;
  }

  /** Per full store: its name and how far its last walk got, for {@code status}. */
  public Map<String, Object> status() throws IOException {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Stores.StoreInfo s : stores.listStores()) {
      MirrorStats.Store st = perStore.get(s.id());
      if (st != null && presence.mode(presence.node(), s.id()) == StoreMode.FULL) {
        out.put(s.name(), st.row());
      }
    }
    return out;
  }

  /** Waits until no walk is queued or running; false if {@code timeout} passed first. */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return queue.awaitIdle(timeout);
  }

  private void follow(UUID store) {
    watches.computeIfAbsent(
        store,
        s -> {
          try {
            return trees.watch(s, () -> changed(s));
          } catch (IOException e) {
            LOG.warn("cannot follow store {} to mirror it: {}", s, e.toString());
            return () -> {};
          }
        });
  }

  private void changed(UUID store) {
    MirrorStats.Store st = perStore.get(store);
    if (st != null) {
      st.stale();
    }
    try {
      thread.schedule(() -> enqueue(store), debounce.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void enqueue(UUID store) {
    queue.enqueue(store);
  }

  /** One walk of one store (see the class doc). */
  private void mirror(UUID store) throws IOException {
    if (presence.mode(presence.node(), store) != StoreMode.FULL) {
      return;
    }
    MirrorStats.Store st = perStore.computeIfAbsent(store, k -> stats.store());
    st.start();
    List<String> problems = new ArrayList<>();
    try (Hold hold = holder.newHold();
        MirrorWalk walk =
            new MirrorWalk(localReads, statter, remote, hold, fetchers, concurrency, st)) {
      if (!trees.forEach(store, StoreMirror.ROOT_INODE, walk::manifest)) {
        return; // the store is gone
      }
      walk.finish();
      problems.addAll(walk.problems());
      if (queue.isClosed()) {
        return;
      }
      if (problems.isEmpty()
          && !presence.holdsWholeStore(presence.node(), store)
          && presence.claimWholeStore(store, clock.instant())) {
        LOG.info("store {} is whole here: presence written", store);
      }
      st.finish(problems);
      if (!problems.isEmpty()) {
        LOG.info(
            "store {} is not whole here yet: {} blob(s) missing ({})",
            store,
            problems.size(),
            problems.get(0));
      }
    }
  }

  @Override
  public void close() {
    queue.close();
    for (AutoCloseable w : watches.values()) {
      try {
        w.close();
      } catch (Exception e) {
        LOG.debug("closing a watch failed", e);
      }
    }
    thread.shutdownNow();
    fetchers.shutdownNow();
    try {
      thread.awaitTermination(30, TimeUnit.SECONDS);
      fetchers.awaitTermination(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
