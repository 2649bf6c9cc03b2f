package org.latticefs.fs.core;

import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The mount root as the list of stores: finds a store's {@link StoreContext} by its name, creates
 * and deletes stores ({@code mkdir} and {@code rmdir} at the root), and keeps the root's times.
 *
 * <p>There is one context per store for the life of the filesystem (open files, unflushed creates
 * and the namespace lock live there); names are looked up through a cache that is dropped whenever
 * the root store reports a change under {@code /stores/} (a store created, renamed or deleted
 * elsewhere: another node, the CLI), and dropping it never replaces a context. Thread-safe.
 */
final class StoreRoot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRoot.class);

  private final Stores stores;
  private final Inodes inodes;
  private final NanoClock clock;
  private final ConcurrentHashMap<String, StoreContext> byName = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, StoreContext> byId = new ConcurrentHashMap<>();
  private final Object lock = new Object();
  private final AutoCloseable watch;

  /**
   * When this filesystem started, or when its list of stores last changed (here, or elsewhere as
   * the watch reports it).
   */
  private volatile long changedNanos;

  StoreRoot(Stores stores, Inodes inodes, NanoClock clock) {
    this.stores = stores;
    this.inodes = inodes;
    this.clock = clock;
    this.changedNanos = clock.nowNanos();
    AutoCloseable w = null;
    try {
      w =
          stores
              .root()
              .watch(
                  "/stores/",
                  change -> {
                    byName.clear();
                    changedNanos = clock.nowNanos();
                  });
    } catch (IOException | RuntimeException e) {
      LOG.warn("cannot watch the root store; store changes made elsewhere show after a remount", e);
    }
    this.watch = w;
  }

  /** The root's modification and change time. */
  long changedNanos() {
    return changedNanos;
  }

  /** The stores, as the root lists them. */
  List<Stores.StoreInfo> list() throws IOException {
    return stores.listStores();
  }

  /** The contexts of the stores looked up since the name cache was last dropped. */
  List<StoreContext> cached() {
    return List.copyOf(byName.values());
  }

  /** The context of the store named {@code name}; ENOENT if there is none. */
  StoreContext store(String name) throws IOException {
    StoreContext ctx = byName.get(name);
    if (ctx != null) {
      return ctx;
    }
    synchronized (lock) {
      ctx = byName.get(name);
      if (ctx != null) {
        return ctx;
      }
      Optional<Stores.StoreInfo> info = stores.findStore(name);
      if (info.isEmpty() || !info.get().name().equals(name)) {
        throw new FsException(Errno.ENOENT, "/" + name);
      }
      ctx = contextOf(info.get().id(), name);
      byName.put(name, ctx);
      return ctx;
    }
  }

  /** Creates a store named {@code name} with an empty root directory; EEXIST if it exists. */
  void create(String name) throws IOException {
    PathResolver.checkName(name);
    synchronized (lock) {
      if (stores.findStore(name).isPresent()) {
        throw new FsException(Errno.EEXIST, "/" + name);
      }
      Stores.StoreInfo info = stores.createStore(name);
      StoreContext ctx = contextOf(info.id(), name);
      long now = clock.nowNanos();
      ctx.commit(List.of(Inodes.put(Keys.ROOT, inodes.newRoot(now))));
      byName.put(name, ctx);
      changedNanos = now;
    }
  }

  /** Deletes the store named {@code name}; ENOTEMPTY unless its root is empty. */
  void delete(String name) throws IOException {
    StoreContext ctx = store(name);
    ctx.namespace.lock();
    try {
      ctx.requireEmpty(Keys.ROOT, "/" + name);
      synchronized (lock) {
        stores.deleteStore(ctx.id);
        byName.remove(name);
        // Empty (no dirent, no unflushed create) under its lock: nothing new can start in it.
        byId.remove(ctx.id, ctx);
        changedNanos = clock.nowNanos();
      }
    } finally {
      ctx.namespace.unlock();
    }
  }

  /**
   * Forgets cached store name lookups (call when stores change elsewhere). The per-store state is
   * kept: a store whose UUID is unchanged gets the same context back.
   */
  void invalidate() {
    byName.clear();
  }

  /** The one context of store {@code id}, created on first use; its name follows renames. */
  private StoreContext contextOf(UUID id, String name) throws IOException {
    StoreContext ctx = byId.get(id);
    if (ctx == null) {
      ctx = new StoreContext(id, name, stores.open(id));
      StoreContext raced = byId.putIfAbsent(id, ctx);
      if (raced != null) {
        ctx = raced;
      }
    }
    ctx.name = name;
    return ctx;
  }

  /** Stops watching the root store. */
  @Override
  public void close() {
    if (watch != null) {
      try {
        watch.close();
      } catch (Exception e) {
        LOG.debug("closing the stores watch", e);
      }
    }
  }
}
