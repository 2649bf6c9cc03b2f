package org.latticefs.fs.core;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;

/**
 * An in-memory fake of kv's {@link Stores} for fast tests and fault injection: multi-head state per
 * key (LWW winner by HLC then author), entries from "other nodes" via {@link
 * MemoryStore#ingestForeign}, and failing commits on demand.
 */
final class MemoryStores implements Stores {
  private final NodeId me;
  private final MemoryStore root;
  private final Map<UUID, MemoryStore> stores = new ConcurrentHashMap<>();
  private final Map<UUID, StoreInfo> declared = new ConcurrentHashMap<>();
  private final AtomicLong clock = new AtomicLong(System.currentTimeMillis());

  MemoryStores() {
    byte[] key = new byte[32];
    key[0] = (byte) 0xab;
    key[1] = (byte) 0xcd;
    this.me = new NodeId(key);
    this.root = new MemoryStore(new UUID(0, 0));
  }

  static NodeId node(int b) {
    byte[] key = new byte[32];
    key[0] = (byte) b;
    key[31] = 1;
    return new NodeId(key);
  }

  Hlc tick() {
    return new Hlc(clock.incrementAndGet(), 0);
  }

  @Override
  public NodeId nodeId() {
    return me;
  }

  @Override
  public Store root() {
    return root;
  }

  @Override
  public synchronized List<StoreInfo> listStores() {
    List<StoreInfo> out = new ArrayList<>(declared.values());
    out.sort(Comparator.comparing(StoreInfo::name));
    return out;
  }

  @Override
  public synchronized StoreInfo createStore(String name) throws KvException {
    if (findStore(name).isPresent()) {
      throw new KvException("store exists: " + name);
    }
    StoreInfo info = new StoreInfo(UUID.randomUUID(), name, System.currentTimeMillis());
    declared.put(info.id(), info);
    return info;
  }

  @Override
  public synchronized void deleteStore(UUID id) {
    declared.remove(id);
  }

  @Override
  public synchronized Optional<StoreInfo> findStore(String nameOrUuid) {
    return declared.values().stream()
        .filter(s -> s.name().equals(nameOrUuid) || s.id().toString().equals(nameOrUuid))
        .findFirst();
  }

  @Override
  public MemoryStore open(UUID id) {
    return stores.computeIfAbsent(id, MemoryStore::new);
  }

  @Override
  public List<org.latticefs.kv.StoreDamage> damaged() {
    return List.of();
  }

  @Override
  public void close() {}

  /** One fake store. */
  final class MemoryStore implements Store {
    private final UUID id;
    private final TreeMap<String, List<Head>> state = new TreeMap<>();
    private final AtomicInteger failCommits = new AtomicInteger();
    private volatile RuntimeException failWith;
    final AtomicLong commits = new AtomicLong();

    /** Runs after each {@link #get} has read its value, outside the store's monitor (races). */
    volatile Consumer<String> afterGet;

    MemoryStore(UUID id) {
      this.id = id;
    }

    @Override
    public UUID id() {
      return id;
    }

    /** The next {@code n} commits fail without changing anything. */
    void failNextCommits(int n) {
      failCommits.set(n);
    }

    /** The next commit throws {@code e} (an unexpected runtime failure) and changes nothing. */
    void failNextCommitWith(RuntimeException e) {
      failWith = e;
    }

    @Override
    public synchronized BlobRef commit(List<Op> ops) throws KvException {
      RuntimeException fail = failWith;
      if (fail != null) {
        failWith = null;
        throw fail;
      }
      if (failCommits.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
        throw new KvException("injected commit failure");
      }
      commits.incrementAndGet();
      Hlc hlc = tick();
      BlobRef entry = entryRef(hlc, me);
      for (Op op : ops) {
        byte[] v = op instanceof Op.Put p ? p.value() : null;
        List<Head> heads = new ArrayList<>();
        heads.add(new Head(op.key(), v, hlc, me, entry));
        state.put(op.key(), heads);
      }
      return entry;
    }

    /** Applies an entry by another author that saw none of the current heads of its keys. */
    synchronized void ingestForeign(NodeId author, Hlc hlc, List<Op> ops) {
      BlobRef entry = entryRef(hlc, author);
      for (Op op : ops) {
        byte[] v = op instanceof Op.Put p ? p.value() : null;
        List<Head> heads = new ArrayList<>(state.getOrDefault(op.key(), List.of()));
        heads.add(new Head(op.key(), v, hlc, author, entry));
        heads.sort(Comparator.comparing(Head::hlc).thenComparing(Head::author).reversed());
        state.put(op.key(), heads);
      }
    }

    private BlobRef entryRef(Hlc hlc, NodeId author) {
      ByteBuffer b = ByteBuffer.allocate(48);
      b.putLong(hlc.packed()).put(author.publicKey()).putLong(commits.get());
      return Blake3.hash(b.array());
    }

    @Override
    public Optional<byte[]> get(String key) {
      Optional<byte[]> v = read(key);
      Consumer<String> hook = afterGet;
      if (hook != null) {
        hook.accept(key);
      }
      return v;
    }

    private synchronized Optional<byte[]> read(String key) {
      List<Head> heads = state.get(key);
      if (heads == null || heads.get(0).isDeletion()) {
        return Optional.empty();
      }
      return Optional.of(heads.get(0).value().clone());
    }

    @Override
    public synchronized List<Head> heads(String key) {
      return List.copyOf(state.getOrDefault(key, List.of()));
    }

    @Override
    public synchronized List<KeyValue> list(String prefix, String afterKey, int limit) {
      List<KeyValue> out = new ArrayList<>();
      String from = afterKey == null ? prefix : afterKey;
      for (Map.Entry<String, List<Head>> e : state.tailMap(from, afterKey == null).entrySet()) {
        if (!e.getKey().startsWith(prefix) || out.size() >= limit) {
          break;
        }
        Head w = e.getValue().get(0);
        if (!w.isDeletion()) {
          out.add(new KeyValue(e.getKey(), w.value()));
        }
      }
      return out;
    }

    @Override
    public Snapshot snapshot() {
      throw new IllegalStateException("the fake has no snapshots");
    }

    @Override
    public AutoCloseable watch(String prefix, Consumer<Change> listener) {
      return () -> {};
    }

    @Override
    public java.util.stream.Stream<HistoryEntry> history(String key) {
      throw new IllegalStateException("the fake keeps no signed history");
    }

    @Override
    public void close() {}
  }
}
