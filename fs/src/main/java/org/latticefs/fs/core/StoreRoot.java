package org.latticefs.fs.core;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Store;
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
 * elsewhere: another node, the CLI), and dropping it never replaces a context.
 *
 * <h2>Damaged stores</h2>
 *
 * A store kv refuses to open because its log is damaged ({@link DamagedStoreException}) is absent
 * from the mount root: not listed, and looking it up is ENOENT. It is logged once; {@link
 * Stores#damaged} says which file and why. Thread-safe.
 */
final class StoreRoot implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StoreRoot.class);

  private final Stores stores;
  private final Inodes inodes;
  private final NanoClock clock;
  private final ConcurrentHashMap<String, StoreContext> byName = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<UUID, StoreContext> byId = new ConcurrentHashMap<>();
  private final Set<UUID> reported = ConcurrentHashMap.newKeySet();
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

  /**
   * The stores, as the root lists them: every declared store but those kv refuses as damaged. A
   * store not opened yet is opened here, so a damaged one is found (and left out) before it is ever
   * shown.
   */
  List<Stores.StoreInfo> list() throws IOException {
    List<Stores.StoreInfo> out = new ArrayList<>();
    for (Stores.StoreInfo s : stores.listStores()) {
      if (opens(s)) {
        out.add(s);
      }
    }
    return out;
  }

  /**
   * Opens every declared store, so that kv checks each one now: the damaged ones are logged and
   * listed by {@link Stores#damaged} (node's {@code status}) from the start; the rest of the mount
   * works without them.
   */
  void openAll() throws IOException {
    for (Stores.StoreInfo s : stores.listStores()) {
      opens(s);
    }
  }

  /** Whether store {@code s} opens (its context is made); false if kv refuses it as damaged. */
  private boolean opens(Stores.StoreInfo s) throws IOException {
    if (byId.containsKey(s.id())) {
      return true;
    }
    try {
      contextOf(s.id(), s.name());
      return true;
    } catch (DamagedStoreException e) {
      return false;
    }
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
      try {
        ctx = contextOf(info.get().id(), name);
      } catch (DamagedStoreException e) {
        throw new FsException(Errno.ENOENT, "/" + name + " is damaged: " + e.getMessage(), e);
      }
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

  /**
   * The one context of store {@code id}, created on first use; its name follows renames. A store kv
   * refuses as damaged is logged (once) and thrown.
   */
  private StoreContext contextOf(UUID id, String name) throws IOException {
    StoreContext ctx = byId.get(id);
    if (ctx == null) {
      Store store;
      try {
        store = stores.open(id);
      } catch (DamagedStoreException e) {
        if (reported.add(id)) {
          LOG.error("store {} is left out of the mount: {}", name, e.getMessage());
        }
        throw e;
      }
      ctx = new StoreContext(id, name, store);
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
