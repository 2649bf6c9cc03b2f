package org.latticefs.fs.core;

import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.Stores;

/**
 * Real {@link Stores} (kv's own rules) with a hook for races: every call goes to the stores it
 * wraps, and a store's {@link HookedStore#afterGet} runs in the reading thread right after a {@link
 * Store#get} has read its value, so a test can change the store between a lookup and what the
 * filesystem does with it. Nothing else is changed or re-implemented.
 */
final class HookedStores implements Stores {
  private final Stores inner;
  private final ConcurrentHashMap<UUID, HookedStore> open = new ConcurrentHashMap<>();

  HookedStores(Stores inner) {
    this.inner = inner;
  }

  @Override
  public NodeId nodeId() {
    return inner.nodeId();
  }

  @Override
  public Store root() {
    return inner.root();
  }

  @Override
  public List<StoreInfo> listStores() throws KvException {
    return inner.listStores();
  }

  @Override
  public StoreInfo createStore(String name) throws KvException {
    return inner.createStore(name);
  }

  @Override
  public void deleteStore(UUID id) throws KvException {
    inner.deleteStore(id);
  }

  @Override
  public Optional<StoreInfo> findStore(String nameOrUuid) throws KvException {
    return inner.findStore(nameOrUuid);
  }

  @Override
  public HookedStore open(UUID id) throws KvException {
    Store s = inner.open(id);
    return open.computeIfAbsent(id, k -> new HookedStore(s));
  }

  @Override
  public List<StoreDamage> damaged() {
    return inner.damaged();
  }

  @Override
  public void close() throws KvException {
    inner.close();
  }

  /** One store, every call passed through, with the read hook. */
  static final class HookedStore implements Store {
    private final Store inner;

    /** Runs after each {@link #get} has read its value (with the key), in the reading thread. */
    volatile Consumer<String> afterGet;

    HookedStore(Store inner) {
      this.inner = inner;
    }

    @Override
    public UUID id() {
      return inner.id();
    }

    @Override
    public BlobRef commit(List<Op> ops) throws KvException {
      return inner.commit(ops);
    }

    @Override
    public BlobRef commit(List<Op> ops, Durability durability) throws KvException {
      return inner.commit(ops, durability);
    }

    @Override
    public void sync() throws KvException {
      inner.sync();
    }

    @Override
    public Snapshot snapshot() throws KvException {
      return inner.snapshot();
    }

    @Override
    public AutoCloseable watch(String prefix, Consumer<Change> listener) throws KvException {
      return inner.watch(prefix, listener);
    }

    @Override
    public Stream<HistoryEntry> history(String key) throws KvException {
      return inner.history(key);
    }

    @Override
    public Optional<byte[]> get(String key) throws KvException {
      Optional<byte[]> v = inner.get(key);
      Consumer<String> hook = afterGet;
      if (hook != null) {
        hook.accept(key);
      }
      return v;
    }

    @Override
    public List<Head> heads(String key) throws KvException {
      return inner.heads(key);
    }

    @Override
    public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
      return inner.list(prefix, afterKey, limit);
    }

    @Override
    public void close() throws KvException {
      inner.close();
    }
  }
}
