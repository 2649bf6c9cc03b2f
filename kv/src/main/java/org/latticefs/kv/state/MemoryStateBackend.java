package org.latticefs.kv.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * The state in memory, for tests: the same rules and digest as {@link XodusStateBackend}, nothing
 * survives {@link #close}. A snapshot copies the key map (O(keys)); writes are staged and published
 * under a short lock, so a failed apply leaves nothing behind.
 */
public final class MemoryStateBackend implements StateBackend {
  private final ReadWriteLock lock = new ReentrantReadWriteLock();
  private final TreeMap<String, List<Head>> heads = new TreeMap<>(KeyBytes.ORDER);
  private final Set<Ghost> ghosts = new HashSet<>();
  private final TreeMap<NodeId, AppliedTip> tips = new TreeMap<>();
  private volatile boolean closed;

  private record Ghost(BlobRef entry, String key) {}

  @Override
  public List<KeyChange> apply(List<StateEntry> entries) throws KvException {
    ensureOpen();
    Staged staged = new Staged();
    List<KeyChange> changes = EntryApplier.applyAll(staged, entries);
    lock.writeLock().lock();
    try {
      staged.heads.forEach(
          (k, v) -> {
            if (v.isEmpty()) {
              heads.remove(k);
            } else {
              heads.put(k, v);
            }
          });
      staged.ghosts.forEach(
          (g, present) -> {
            if (present) {
              ghosts.add(g);
            } else {
              ghosts.remove(g);
            }
          });
      tips.putAll(staged.tips);
    } finally {
      lock.writeLock().unlock();
    }
    return changes;
  }

  @Override
  public Map<NodeId, AppliedTip> tips() throws KvException {
    ensureOpen();
    lock.readLock().lock();
    try {
      return Collections.unmodifiableMap(new TreeMap<>(tips));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public StateView snapshot() throws KvException {
    ensureOpen();
    lock.readLock().lock();
    try {
      return new View(new TreeMap<>(heads), new TreeMap<>(tips));
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public Optional<byte[]> get(String key) throws KvException {
    List<Head> list = heads(key);
    return list.isEmpty() ? Optional.empty() : list.get(0).valueIfPresent();
  }

  @Override
  public List<Head> heads(String key) throws KvException {
    ensureOpen();
    lock.readLock().lock();
    try {
      return heads.getOrDefault(key, List.of());
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException {
    try (StateView view = snapshot()) {
      return view.list(prefix, afterKey, limit);
    }
  }

  @Override
  public void check() throws KvException {
    ensureOpen();
  }

  @Override
  public void clear() throws KvException {
    ensureOpen();
    lock.writeLock().lock();
    try {
      heads.clear();
      ghosts.clear();
      tips.clear();
    } finally {
      lock.writeLock().unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("state is closed");
    }
  }

  /** Writes staged over the published maps; read by the applier, published on success. */
  private final class Staged implements StateTxn {
    final Map<String, List<Head>> heads = new HashMap<>();
    final Map<Ghost, Boolean> ghosts = new HashMap<>();
    final Map<NodeId, AppliedTip> tips = new HashMap<>();

    @Override
    public List<Head> heads(String key) throws KvException {
      List<Head> staged = heads.get(key);
      return staged != null ? staged : MemoryStateBackend.this.heads(key);
    }

    @Override
    public void setHeads(String key, List<Head> list) {
      heads.put(key, List.copyOf(list));
    }

    @Override
    public boolean hasGhost(BlobRef entry, String key) {
      Ghost g = new Ghost(entry, key);
      Boolean staged = ghosts.get(g);
      if (staged != null) {
        return staged;
      }
      lock.readLock().lock();
      try {
        return MemoryStateBackend.this.ghosts.contains(g);
      } finally {
        lock.readLock().unlock();
      }
    }

    @Override
    public void addGhost(BlobRef entry, String key) {
      ghosts.put(new Ghost(entry, key), true);
    }

    @Override
    public void removeGhost(BlobRef entry, String key) {
      ghosts.put(new Ghost(entry, key), false);
    }

    @Override
    public void setTip(NodeId author, AppliedTip tip) {
      tips.put(author, tip);
    }
  }

  private static final class View implements StateView {
    private final NavigableMap<String, List<Head>> heads;
    private final Map<NodeId, AppliedTip> tips;

    View(NavigableMap<String, List<Head>> heads, Map<NodeId, AppliedTip> tips) {
      this.heads = heads;
      this.tips = Collections.unmodifiableMap(tips);
    }

    @Override
    public Optional<byte[]> get(String key) {
      List<Head> list = heads(key);
      return list.isEmpty() ? Optional.empty() : list.get(0).valueIfPresent();
    }

    @Override
    public List<Head> heads(String key) {
      return heads.getOrDefault(key, List.of());
    }

    @Override
    public List<KeyValue> list(String prefix, String afterKey, int limit) {
      List<KeyValue> out = new ArrayList<>();
      NavigableMap<String, List<Head>> tail =
          afterKey != null && KeyBytes.compare(afterKey, prefix) >= 0
              ? heads.tailMap(afterKey, false)
              : heads.tailMap(prefix, true);
      for (Map.Entry<String, List<Head>> e : tail.entrySet()) {
        if (out.size() >= limit || !KeyBytes.startsWith(e.getKey(), prefix)) {
          break;
        }
        e.getValue().get(0).valueIfPresent().ifPresent(v -> out.add(new KeyValue(e.getKey(), v)));
      }
      return out;
    }

    @Override
    public void scan(String prefix, HeadsVisitor visitor) throws KvException {
      for (Map.Entry<String, List<Head>> e : heads.tailMap(prefix, true).entrySet()) {
        if (!KeyBytes.startsWith(e.getKey(), prefix) || !visitor.visit(e.getKey(), e.getValue())) {
          return;
        }
      }
    }

    @Override
    public Map<NodeId, AppliedTip> tips() {
      return tips;
    }

    @Override
    public BlobRef digest() {
      try (StateDigest digest = new StateDigest()) {
        for (Map.Entry<String, List<Head>> e : heads.entrySet()) {
          byte[] encoded = StateCodec.encodeHeads(e.getValue());
          digest.key(KeyBytes.encode(e.getKey()), encoded, encoded.length);
        }
        tips.forEach(digest::tip);
        return digest.finish();
      }
    }

    @Override
    public void close() {}
  }
}
