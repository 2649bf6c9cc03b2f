package org.latticefs.mesh.sync;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Stores;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.Replica;
import org.latticefs.kv.sync.Replicas;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.ErrorCode;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Log sync between this node and every connected peer: one {@link StoreLink} per store and
 * connection. Knows this node's stores (the root store and those it declares, opened as they
 * appear), listens to their appends to gossip new entries at once, and routes store messages to
 * their link. A store declared on a peer reaches this node through the root store first; the link
 * of the new store starts as soon as the root store here declares it (tips the peer sent for it
 * earlier are kept until then).
 *
 * <p>Thread-safe. Listener callbacks and event-loop calls return at once; store work runs on the
 * pool.
 */
public final class SyncHub implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(SyncHub.class);
  private static final int MAX_PENDING_STORES = 10_000;

  private final Stores stores;
  private final Replicas replicas;
  private final NodeId me;
  private final SyncLimits limits;
  private final Executor pool;
  private final ScheduledExecutorService timer;
  private final Map<UUID, Known> known = new ConcurrentHashMap<>();
  private final Map<Session, Links> sessions = new ConcurrentHashMap<>();
  private final AtomicBoolean scanQueued = new AtomicBoolean();
  private final List<Runnable> rootListeners = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closed;

  private record Known(Replica replica, AutoCloseable listener) {}

  public SyncHub(
      Stores stores,
      Replicas replicas,
      SyncLimits limits,
      Executor pool,
      ScheduledExecutorService timer) {
    this.stores = stores;
    this.replicas = replicas;
    this.me = stores.nodeId();
    this.limits = limits;
    this.pool = pool;
    this.timer = timer;
  }

  /** Opens the root store's replica and every store it declares; starts listening to appends. */
  public void start() throws KvException {
    add(Stores.ROOT_ID);
    scan();
  }

  /** Looks at the declared stores again (a store that could not open may open now). */
  public void rescan() {
    if (!closed) {
      try {
        pool.execute(this::scan);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        LOG.debug("shutting down: no rescan");
      }
    }
  }

  /** Also calls {@code listener} (on the pool) after the root store changed. */
  public void onRootChange(Runnable listener) {
    rootListeners.add(listener);
  }

  private void add(UUID id) throws KvException {
    Replica r = replicas.replica(id);
    boolean root = id.equals(Stores.ROOT_ID);
    AutoCloseable handle = r.onAppend(() -> appended(id, root));
    known.put(id, new Known(r, handle));
  }

  private void appended(UUID id, boolean root) {
    for (Links l : sessions.values()) {
      l.poke(id);
    }
    if (root && !closed && scanQueued.compareAndSet(false, true)) {
      pool.execute(
          () -> {
            scanQueued.set(false);
            scan();
            for (Runnable r : rootListeners) {
              try {
                r.run();
              } catch (RuntimeException e) {
                LOG.error("a root-store listener failed", e);
              }
            }
          });
    }
  }

  /** Brings the known stores in line with the root store's declarations. */
  private void scan() {
    if (closed) {
      return;
    }
    List<Stores.StoreInfo> declared;
    try {
      declared = stores.listStores();
    } catch (KvException e) {
      LOG.warn("cannot list the stores: {}", e.getMessage());
      return;
    }
    Set<UUID> ids = new java.util.HashSet<>();
    for (Stores.StoreInfo s : declared) {
      ids.add(s.id());
      if (known.containsKey(s.id())) {
        continue;
      }
      try {
        add(s.id());
        LOG.info("syncing store {} ({})", s.name(), s.id());
      } catch (DamagedStoreException e) {
        LOG.warn("store {} is damaged and not synced: {}", s.id(), e.getMessage());
        continue;
      } catch (KvException e) {
        LOG.warn("cannot open store {}: {}", s.id(), e.getMessage());
        continue;
      }
      for (Links l : sessions.values()) {
        l.open(s.id());
      }
    }
    for (UUID id : List.copyOf(known.keySet())) {
      if (!id.equals(Stores.ROOT_ID) && !ids.contains(id)) {
        Known k = known.remove(id);
        closeQuietly(k.listener());
        for (Links l : sessions.values()) {
          l.drop(id);
        }
      }
    }
  }

  /** A peer is admitted: start a link for the root store, then for every other store. */
  public void up(Session s) {
    Links l = new Links(s);
    sessions.put(s, l);
    l.open(Stores.ROOT_ID);
    for (UUID id : known.keySet()) {
      if (!id.equals(Stores.ROOT_ID)) {
        l.open(id);
      }
    }
  }

  /** A session closed: its links stop. */
  public void down(Session s) {
    Links l = sessions.remove(s);
    if (l != null) {
      l.close();
    }
  }

  /** A store message from an admitted peer. */
  public void received(Session s, Message m) {
    Links l = sessions.get(s);
    if (l != null) {
      l.received(m);
    }
  }

  /** The session's channel can take writes again. */
  public void writable(Session s) {
    Links l = sessions.get(s);
    if (l != null && s.isWritable()) {
      l.pokeAll();
    }
  }

  /** Per store: entries the peer lacks and entries this node lacks (-1 while unknown). */
  public Map<UUID, long[]> lag(Session s) {
    Links l = sessions.get(s);
    return l == null ? Map.of() : l.lag();
  }

  /** The stores this node syncs. */
  public Set<UUID> stores() {
    return Set.copyOf(known.keySet());
  }

  private void newProof(UUID store, Equivocation proof) {
    for (Links l : sessions.values()) {
      l.sendProof(store, proof);
    }
  }

  /** Stops listening to the stores and every link. Sessions are closed by their owner. */
  @Override
  public void close() {
    closed = true;
    for (Links l : sessions.values()) {
      l.close();
    }
    sessions.clear();
    for (Known k : known.values()) {
      closeQuietly(k.listener());
    }
    known.clear();
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception e) {
      LOG.debug("closing a store listener: {}", e.toString());
    }
  }

  /** The links of one session, and what they share: the connection and its read pause. */
  private final class Links implements StoreLink.Peer {
    private final Session session;
    private final Map<UUID, StoreLink> links = new ConcurrentHashMap<>();
    private final Map<UUID, Message.Tips> pendingTips = new LinkedHashMap<>();
    private int pendingIngests;

    Links(Session session) {
      this.session = session;
    }

    void open(UUID id) {
      Known k = known.get(id);
      if (k == null) {
        return;
      }
      StoreLink link = new StoreLink(id, k.replica(), this, limits, pool, timer);
      Message.Tips pending;
      synchronized (this) {
        if (links.putIfAbsent(id, link) != null) {
          return;
        }
        pending = pendingTips.remove(id);
      }
      link.start(pending);
    }

    void drop(UUID id) {
      StoreLink l = links.remove(id);
      if (l != null) {
        l.close();
      }
    }

    void poke(UUID id) {
      StoreLink l = links.get(id);
      if (l != null) {
        l.poke();
      }
    }

    void pokeAll() {
      links.values().forEach(StoreLink::poke);
    }

    void sendProof(UUID store, Equivocation proof) {
      StoreLink l = links.get(store);
      if (l != null) {
        l.sendProof(proof);
      }
    }

    Map<UUID, long[]> lag() {
      Map<UUID, long[]> out = new HashMap<>();
      for (StoreLink l : links.values()) {
        try {
          out.put(l.store(), l.lag());
        } catch (KvException e) {
          out.put(l.store(), new long[] {-1, -1});
        }
      }
      return out;
    }

    void received(Message m) {
      if (m instanceof Message.Tips t) {
        StoreLink l = links.get(t.store());
        if (l != null) {
          l.onTips(t);
          return;
        }
        synchronized (this) {
          if (pendingTips.size() >= MAX_PENDING_STORES && !pendingTips.containsKey(t.store())) {
            protocolError("tips for more than " + MAX_PENDING_STORES + " unknown stores");
            return;
          }
          pendingTips.put(t.store(), t);
        }
        // The store may have been declared meanwhile.
        if (known.containsKey(t.store())) {
          open(t.store());
        }
      } else if (m instanceof Message.Entries e) {
        StoreLink l = links.get(e.store());
        if (l == null) {
          // A store this node does not sync (not declared here, or damaged): take nothing.
          send(new Message.Ack(e.store(), e.batch(), List.of()));
          return;
        }
        synchronized (this) {
          pendingIngests++;
          if (pendingIngests >= limits.inboundPending()) {
            session.setAutoRead(false);
          }
        }
        l.onEntries(e);
      } else if (m instanceof Message.Ack a) {
        StoreLink l = links.get(a.store());
        if (l != null) {
          l.onAck(a);
        }
      } else if (m instanceof Message.Proof p) {
        StoreLink l = links.get(p.store());
        if (l != null) {
          l.onProof(p);
        }
      } else {
        protocolError("a " + m.getClass().getSimpleName() + " after the handshake");
      }
    }

    @Override
    public synchronized void ingested() {
      pendingIngests--;
      if (pendingIngests < limits.inboundPending()) {
        session.setAutoRead(true);
      }
    }

    void close() {
      links.values().forEach(StoreLink::close);
    }

    @Override
    public NodeId id() {
      return session.peer();
    }

    @Override
    public NodeId me() {
      return me;
    }

    @Override
    public boolean isWritable() {
      return session.isWritable();
    }

    @Override
    public void send(Message m) {
      session.send(m);
    }

    @Override
    public void protocolError(String what) {
      LOG.warn("protocol error from {}: {}", session.describe(), what);
      session.close(ErrorCode.PROTOCOL, what);
    }

    @Override
    public void newProof(UUID store, Equivocation proof) {
      SyncHub.this.newProof(store, proof);
    }
  }

  /** For status: the stores' names by id. */
  public Map<UUID, String> storeNames() {
    Map<UUID, String> out = new HashMap<>();
    out.put(Stores.ROOT_ID, "(root)");
    try {
      for (Stores.StoreInfo s : stores.listStores()) {
        out.put(s.id(), s.name());
      }
    } catch (KvException e) {
      LOG.debug("cannot list the stores: {}", e.getMessage());
    }
    return out;
  }

  List<UUID> knownIds() {
    return new ArrayList<>(known.keySet());
  }
}
