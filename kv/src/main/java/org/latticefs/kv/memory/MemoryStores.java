package org.latticefs.kv.memory;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.random.RandomGenerator;
import java.util.stream.Stream;
import org.latticefs.kv.HybridClock;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Stores;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.MemoryChainLog;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.MemorySources;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.store.StoreCatalog;
import org.latticefs.kv.store.StoreSettings;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.kv.sync.Replica;

/**
 * One node's stores in memory, with kv's real rules: every store is a {@link LogStore} over
 * in-memory logs and state, so commits are signed entries, reads are the last-writer-wins winner of
 * the multi-head state, watches and history behave as on disk. Nothing survives {@link #close}. For
 * tests of what sits on kv (the filesystem's included) and for tools.
 *
 * <h2>Several nodes</h2>
 *
 * {@link #peer()} makes a second node of the same mesh (its own identity, each active in the
 * other's root store); {@link #sync(MemoryStores, MemoryStores)} exchanges what each lacks, every
 * store, both ways, through the same {@link Replica} calls the mesh makes. So a test gets
 * concurrent heads the way users do: commit to the same key on both nodes, then sync. Nothing is
 * exchanged between syncs.
 *
 * <h2>Failures</h2>
 *
 * {@link #faults(UUID)} makes a store's next log appends fail as a disk would: the commit throws
 * and did not happen.
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe, as {@link Stores}. Watches are delivered on kv's own threads.
 */
public final class MemoryStores extends StoreCatalog {
  private final Identity identity;
  private final StoreSettings settings;
  private final Map<UUID, MemorySources> sources;

  private MemoryStores(Identity identity, StoreSettings settings, Map<UUID, MemorySources> sources)
      throws KvException {
    super(
        identity.id(),
        settings,
        (id, s) ->
            LogStore.inMemory(
                id, identity, s, sources.computeIfAbsent(id, k -> new MemorySources())));
    this.identity = identity;
    this.settings = settings;
    this.sources = sources;
  }

  /** A node with a fresh identity and default settings (system time). */
  public static MemoryStores create() throws KvException {
    return create(Identity.generate(new SecureRandom()), StoreSettings.defaults());
  }

  /**
   * A node with {@code identity} and {@code settings} (a test's clock, orphan and watch limits; its
   * policy is replaced by the root-store authorization every node uses).
   */
  public static MemoryStores create(Identity identity, StoreSettings settings) throws KvException {
    return new MemoryStores(identity, settings, new ConcurrentHashMap<>());
  }

  /**
   * A second node of this node's mesh: a fresh identity drawn from {@code random}, the same
   * settings but its own hybrid clock (over the same wall clock), each node {@code active} in the
   * other's root store, root stores synced (so it knows this node's stores). Closing it is the
   * caller's job.
   */
  public MemoryStores peer(RandomGenerator random) throws KvException {
    StoreSettings own =
        settings.withClock(new HybridClock(settings.time(), settings.clock().maxDrift()));
    MemoryStores other =
        new MemoryStores(Identity.generate(random), own, new ConcurrentHashMap<>());
    try {
      other.rootKeys().setNodeStatus(nodeId(), NodeStatus.ACTIVE);
      rootKeys().setNodeStatus(other.nodeId(), NodeStatus.ACTIVE);
      sync(this, other);
      return other;
    } catch (KvException | RuntimeException e) {
      other.close();
      throw e;
    }
  }

  /** As {@link #peer(RandomGenerator)} with a secure random identity. */
  public MemoryStores peer() throws KvException {
    return peer(new SecureRandom());
  }

  /**
   * Brings {@code a} and {@code b} to the same entries: the root stores first (so each learns the
   * other's stores), then every store either declares, both ways, as the mesh would: compare {@link
   * Replica#syncState}, send {@link Replica#entriesAfter} what the other lacks, {@link
   * Replica#ingest} it.
   *
   * @throws KvException if an entry is rejected (the message says which and why)
   */
  public static void sync(MemoryStores a, MemoryStores b) throws KvException {
    exchange(a.replica(RootStore.ID), b.replica(RootStore.ID));
    List<UUID> ids = new ArrayList<>();
    for (Stores s : List.of(a, b)) {
      for (StoreInfo info : s.listStores()) {
        if (!ids.contains(info.id())) {
          ids.add(info.id());
        }
      }
    }
    for (UUID id : ids) {
      exchange(a.replica(id), b.replica(id));
    }
  }

  private static void exchange(Replica a, Replica b) throws KvException {
    send(a, b);
    send(b, a);
  }

  private static void send(Replica from, Replica to) throws KvException {
    Map<NodeId, ChainTip> theirs = to.syncState();
    List<SignedEntry> missing = new ArrayList<>();
    for (Map.Entry<NodeId, ChainTip> mine : from.syncState().entrySet()) {
      ChainTip t = theirs.get(mine.getKey());
      long have = t == null ? 0 : t.seq();
      if (have < mine.getValue().seq()) {
        try (Stream<SignedEntry> s = from.entriesAfter(mine.getKey(), have)) {
          missing.addAll(s.toList());
        }
      }
    }
    List<IngestOutcome> outcomes = to.ingest(missing);
    for (int i = 0; i < outcomes.size(); i++) {
      if (outcomes.get(i) instanceof IngestOutcome.Rejected r) {
        throw new KvException(
            "sync of store " + to.id() + ": " + missing.get(i) + " rejected: " + r.reason());
      }
    }
  }

  /** This node's key pair. */
  public Identity identity() {
    return identity;
  }

  /**
   * The failures to inject into store {@code id}'s log appends (its local commits and ingests):
   * {@link MemoryChainLog.Faults#failNextAppends}, {@link
   * MemoryChainLog.Faults#failNextAppendWith}. Applies to logs of authors that write after this
   * call as well.
   */
  public MemoryChainLog.Faults faults(UUID id) {
    return sources.computeIfAbsent(id, k -> new MemorySources()).faults();
  }

  @Override
  public String toString() {
    return "MemoryStores[" + identity.id() + "]";
  }
}
