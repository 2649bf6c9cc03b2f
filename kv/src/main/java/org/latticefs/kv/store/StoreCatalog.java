package org.latticefs.kv.store;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.Stores;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.sync.Replicas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores of one node, whatever they are kept on: the root store, the app stores it declares,
 * the ones open now and the ones refused as damaged. {@link DiskStores} and {@link
 * org.latticefs.kv.memory.MemoryStores} are this with their own {@link Opener}, so that both follow
 * the same rules.
 *
 * <h2>Authorization</h2>
 *
 * Every store (the root included) accepts entries from this node and from nodes whose root-store
 * status is {@code active}. An entry that makes a node active and that node's own entries in the
 * same {@code ingest} call are judged against the state before the call: the latter are rejected
 * and accepted on a later call. On first open this node registers itself {@code active}.
 *
 * <h2>Concurrency</h2>
 *
 * Thread-safe. Stores are opened once and shared; {@link #close} closes them all.
 */
public abstract class StoreCatalog implements Stores, Replicas {
  private static final Logger LOG = LoggerFactory.getLogger(StoreCatalog.class);

  /** Opens one store of this node (the root store for {@link RootStore#ID}). */
  @FunctionalInterface
  public interface Opener {
    /**
     * Opens store {@code id} with {@code settings} (whose policy is the catalog's authorization).
     */
    LogStore open(UUID id, StoreSettings settings) throws KvException;
  }

  private final NodeId me;
  private final StoreSettings settings;
  private final Opener opener;
  private final Map<UUID, LogStore> open = new ConcurrentHashMap<>();
  private final Map<UUID, StoreDamage> damaged = new LinkedHashMap<>();
  private final LogStore root;
  private final RootStore rootKeys;
  private volatile boolean closed;

  /**
   * Opens the root store of node {@code me} through {@code opener} and registers the node active if
   * this is its first open.
   *
   * @param settings for every store; its policy is replaced by the authorization above
   */
  protected StoreCatalog(NodeId me, StoreSettings settings, Opener opener) throws KvException {
    this.me = me;
    this.settings = settings.withPolicy(author -> author.equals(me) || rootKeys().isActive(author));
    this.opener = opener;
    this.root = opener.open(RootStore.ID, this.settings);
    this.rootKeys = new RootStore(root);
    try {
      if (rootKeys.nodeStatus(me).isEmpty()) {
        rootKeys.setNodeStatus(me, NodeStatus.ACTIVE);
      }
    } catch (KvException | RuntimeException e) {
      root.close();
      throw e;
    }
  }

  @Override
  public NodeId nodeId() {
    return me;
  }

  @Override
  public LogStore root() {
    return root;
  }

  /** Typed access to the root store. */
  public RootStore rootKeys() {
    return rootKeys;
  }

  @Override
  public List<StoreInfo> listStores() throws KvException {
    ensureOpen();
    return rootKeys.stores();
  }

  @Override
  public synchronized StoreInfo createStore(String name) throws KvException {
    ensureOpen();
    String why = Stores.invalidName(name);
    if (why != null) {
      throw new KvException(
          "invalid store name '" + KeyBytes.display(String.valueOf(name)) + "': " + why);
    }
    for (StoreInfo s : rootKeys.stores()) {
      if (s.name().equals(name)) {
        throw new KvException(
            "a store named '" + KeyBytes.display(name) + "' already exists (" + s.id() + ")");
      }
    }
    UUID id = UUID.randomUUID();
    long now = settings.time().millis();
    rootKeys.declareStore(id, name, now);
    return new StoreInfo(id, name, now);
  }

  /**
   * Removes the declaration of store {@code id}; an open handle to it is closed. What it kept
   * (logs, state) stays.
   */
  @Override
  public synchronized void deleteStore(UUID id) throws KvException {
    ensureOpen();
    if (id.equals(RootStore.ID)) {
      throw new KvException("the root store cannot be deleted");
    }
    if (rootKeys.store(id).isEmpty()) {
      throw new KvException("no store with id " + id);
    }
    rootKeys.undeclareStore(id);
    LogStore store = open.remove(id);
    if (store != null) {
      store.close();
    }
  }

  /**
   * Finds a live store by UUID text or by name.
   *
   * @throws KvException if the name is shared by several live stores (created concurrently on two
   *     nodes): the message lists their ids
   */
  @Override
  public Optional<StoreInfo> findStore(String nameOrUuid) throws KvException {
    ensureOpen();
    try {
      Optional<StoreInfo> byId = rootKeys.store(UUID.fromString(nameOrUuid));
      if (byId.isPresent()) {
        return byId;
      }
    } catch (IllegalArgumentException notAUuid) {
      // Fall through to the name.
    }
    List<StoreInfo> named =
        rootKeys.stores().stream().filter(s -> s.name().equals(nameOrUuid)).toList();
    if (named.size() > 1) {
      throw new KvException(
          "several stores are named '"
              + KeyBytes.display(nameOrUuid)
              + "': "
              + named.stream().map(s -> s.id().toString()).toList()
              + "; use the id");
    }
    return named.stream().findFirst();
  }

  /**
   * Opens store {@code id} (the root store for {@link RootStore#ID}); the same instance for
   * repeated calls. A store found damaged stays refused until the catalog is closed.
   *
   * @throws DamagedStoreException if its files are damaged (it is then listed by {@link #damaged})
   * @throws KvException if no live store has that id
   */
  @Override
  public synchronized LogStore open(UUID id) throws KvException {
    ensureOpen();
    if (id.equals(RootStore.ID)) {
      return root;
    }
    LogStore store = open.get(id);
    if (store != null) {
      return store;
    }
    StoreDamage known = damaged.get(id);
    if (known != null) {
      throw new DamagedStoreException(known);
    }
    if (rootKeys.store(id).isEmpty()) {
      throw new KvException("no store with id " + id);
    }
    try {
      store = opener.open(id, settings);
    } catch (DamagedStoreException e) {
      damaged.put(id, e.damage());
      LOG.error("store {} is refused: {}", id, e.damage().describe());
      throw e;
    }
    open.put(id, store);
    return store;
  }

  /**
   * Where store {@code id} keeps {@code author}'s log; null if this catalog keeps no logs in files
   * (then nothing can be healed).
   */
  protected Path logFile(UUID id, NodeId author) {
    return null;
  }

  /**
   * Starts healing store {@code id}, refused as damaged: its first damaged author range, to be
   * fetched again whole from a peer (see {@link LogHealing}). Empty if the store is not refused,
   * its damage is not in one author's entries, or this catalog keeps no log files.
   */
  public synchronized Optional<LogHealing> startHealing(UUID id) throws KvException {
    ensureOpen();
    StoreDamage d = damaged.get(id);
    if (d == null || d.ranges().isEmpty()) {
      return Optional.empty();
    }
    StoreDamage.DamagedRange range = d.ranges().get(0);
    Path file = logFile(id, range.author());
    return file == null ? Optional.empty() : Optional.of(LogHealing.begin(id, range, file));
  }

  /**
   * Puts {@code healing}'s log in place of the damaged one and opens the store again.
   *
   * @throws DamagedStoreException if the store is still damaged (another author's log), with the
   *     new damage
   * @throws KvException if the healing is not complete or cannot be put in place
   */
  public synchronized LogStore finishHealing(LogHealing healing) throws KvException {
    ensureOpen();
    UUID id = healing.storeId();
    if (!damaged.containsKey(id)) {
      healing.close();
      return open(id);
    }
    healing.install();
    damaged.remove(id);
    return open(id);
  }

  @Override
  public LogStore replica(UUID id) throws KvException {
    return open(id);
  }

  @Override
  public synchronized List<StoreDamage> damaged() {
    return List.copyOf(damaged.values());
  }

  /** Closes every open store, the root last; throws the last failure after trying all. */
  @Override
  public synchronized void close() throws KvException {
    if (closed) {
      return;
    }
    closed = true;
    KvException failure = null;
    for (LogStore s : open.values()) {
      try {
        s.close();
      } catch (KvException e) {
        failure = e;
      }
    }
    open.clear();
    try {
      root.close();
    } catch (KvException e) {
      failure = e;
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("the stores of " + me + " are closed");
    }
  }
}
