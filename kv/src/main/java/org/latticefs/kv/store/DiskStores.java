package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Store;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.sync.Replicas;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The stores of one data directory, opened by one process at a time.
 *
 * <h2>Layout</h2>
 *
 * <pre>
 * {data}/lock                      held (FileChannel.tryLock) while open
 * {data}/identity.key              this node's key pair ({@link Identity#loadOrCreate})
 * {data}/stores/{uuid}/            one {@link LogStore} per store; the root store is the nil UUID
 * </pre>
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
public final class DiskStores implements Stores, Replicas {
  private static final Logger LOG = LoggerFactory.getLogger(DiskStores.class);

  private final Path dataDir;
  private final FileChannel lockChannel;
  private final FileLock lock;
  private final Identity identity;
  private final StoreSettings settings;
  private final Map<UUID, LogStore> open = new ConcurrentHashMap<>();
  private final Map<UUID, StoreDamage> damaged = new java.util.LinkedHashMap<>();
  private final LogStore root;
  private final RootStore rootStore;
  private volatile boolean closed;

  private DiskStores(
      Path dataDir,
      FileChannel lockChannel,
      FileLock lock,
      Identity identity,
      StoreSettings settings)
      throws KvException {
    this.dataDir = dataDir;
    this.lockChannel = lockChannel;
    this.lock = lock;
    this.identity = identity;
    NodeId me = identity.id();
    this.settings =
        settings.withPolicy(author -> author.equals(me) || rootStore().isActive(author));
    this.root = openRoot(storeDir(RootStore.ID), identity, this.settings);
    this.rootStore = new RootStore(root);
    try {
      if (rootStore.nodeStatus(me).isEmpty()) {
        rootStore.setNodeStatus(me, NodeStatus.ACTIVE);
      }
    } catch (KvException | RuntimeException e) {
      root.close();
      throw e;
    }
  }

  private RootStore rootStore() {
    return rootStore;
  }

  /** Opens the root store; a damaged one stops everything, with a message that says what to do. */
  private static LogStore openRoot(Path dir, Identity identity, StoreSettings settings)
      throws KvException {
    try {
      return LogStore.open(dir, RootStore.ID, identity, settings);
    } catch (DamagedStoreException e) {
      StoreDamage d = e.damage();
      throw new DamagedStoreException(
          new StoreDamage(
              d.storeId(),
              d.file(),
              "the root store (the list of this node's stores and peers) cannot be opened, so"
                  + " nothing can start until "
                  + d.file()
                  + " is restored: "
                  + d.reason(),
              d.ranges()),
          e);
    }
  }

  /** Opens {@code dataDir} with default settings. */
  public static DiskStores open(Path dataDir) throws KvException {
    return open(dataDir, StoreSettings.defaults());
  }

  /**
   * Opens (creating if missing) {@code dataDir}: takes its lock, loads or creates the identity,
   * opens the root store.
   *
   * @param settings for every store; its policy is replaced by the root-store authorization above
   * @throws DamagedStoreException if the root store is damaged: the message names the file and what
   *     to do; nothing was modified
   * @throws KvException if another process (or another open in this one) holds the directory: the
   *     message says the data directory is in use; or on I/O failure
   */
  public static DiskStores open(Path dataDir, StoreSettings settings) throws KvException {
    Path lockFile = dataDir.resolve("lock");
    FileChannel channel;
    try {
      Files.createDirectories(dataDir);
      channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    } catch (IOException e) {
      throw new KvException("cannot open data directory " + dataDir + ": " + e.getMessage(), e);
    }
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    } catch (IOException e) {
      closeQuietly(channel);
      throw new KvException("cannot lock " + lockFile + ": " + e.getMessage(), e);
    }
    if (lock == null) {
      closeQuietly(channel);
      throw new KvException(
          "data directory "
              + dataDir
              + " is in use by another process (lock "
              + lockFile
              + " is held): stop it (or talk to the running daemon) and retry");
    }
    try {
      refuseIfIdentityLost(dataDir);
      Identity identity = Identity.loadOrCreate(dataDir);
      return new DiskStores(dataDir, channel, lock, identity, settings);
    } catch (KvException | RuntimeException e) {
      closeQuietly(channel);
      throw e;
    }
  }

  /**
   * A missing key file is created, unless the directory already holds this node's root store: then
   * the key was lost, and a new one would make this node someone else in its own logs.
   */
  private static void refuseIfIdentityLost(Path dataDir) throws KvException {
    Path key = dataDir.resolve(Identity.FILE_NAME);
    Path rootLogs = dataDir.resolve("stores").resolve(RootStore.ID.toString()).resolve("logs");
    if (Files.exists(key) || !Files.isDirectory(rootLogs)) {
      return;
    }
    try (Stream<Path> files = Files.list(rootLogs)) {
      if (files.findAny().isPresent()) {
        throw new KvException(
            "the identity key file "
                + key
                + " is missing, but "
                + dataDir
                + " holds this node's stores: restore the key from a backup (the node id is its"
                + " name in its logs and in every mesh it joined); to start over as a new node,"
                + " move the data directory away");
      }
    } catch (IOException e) {
      throw new KvException("cannot read " + rootLogs + ": " + e.getMessage(), e);
    }
  }

  /** The data directory. */
  public Path dataDir() {
    return dataDir;
  }

  /** This node's key pair (for signing elsewhere, e.g. the mesh handshake). */
  public Identity identity() {
    return identity;
  }

  @Override
  public NodeId nodeId() {
    return identity.id();
  }

  @Override
  public LogStore root() {
    return root;
  }

  /** Typed access to the root store. */
  public RootStore rootKeys() {
    return rootStore;
  }

  @Override
  public List<StoreInfo> listStores() throws KvException {
    ensureOpen();
    return rootStore.stores();
  }

  @Override
  public synchronized StoreInfo createStore(String name) throws KvException {
    ensureOpen();
    String why = Stores.invalidName(name);
    if (why != null) {
      throw new KvException(
          "invalid store name '" + KeyBytes.display(String.valueOf(name)) + "': " + why);
    }
    for (StoreInfo s : rootStore.stores()) {
      if (s.name().equals(name)) {
        throw new KvException(
            "a store named '" + KeyBytes.display(name) + "' already exists (" + s.id() + ")");
      }
    }
    UUID id = UUID.randomUUID();
    long now = settings.time().millis();
    rootStore.declareStore(id, name, now);
    return new StoreInfo(id, name, now);
  }

  /**
   * Removes the declaration of store {@code id}; an open handle to it is closed. Its directory
   * (logs, state) stays on disk.
   */
  @Override
  public synchronized void deleteStore(UUID id) throws KvException {
    ensureOpen();
    if (id.equals(RootStore.ID)) {
      throw new KvException("the root store cannot be deleted");
    }
    if (rootStore.store(id).isEmpty()) {
      throw new KvException("no store with id " + id);
    }
    rootStore.undeclareStore(id);
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
      UUID id = UUID.fromString(nameOrUuid);
      Optional<StoreInfo> byId = rootStore.store(id);
      if (byId.isPresent()) {
        return byId;
      }
    } catch (IllegalArgumentException notAUuid) {
      // Fall through to the name.
    }
    List<StoreInfo> named =
        rootStore.stores().stream().filter(s -> s.name().equals(nameOrUuid)).toList();
    if (named.size() > 1) {
      throw new KvException(
          "several stores are named '"
              + nameOrUuid
              + "': "
              + named.stream().map(s -> s.id().toString()).toList()
              + "; use the id");
    }
    return named.stream().findFirst();
  }

  /**
   * Opens store {@code id} (the root store for {@link RootStore#ID}); the same instance for
   * repeated calls.
   *
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
    if (rootStore.store(id).isEmpty()) {
      throw new KvException("no store with id " + id);
    }
    try {
      store = LogStore.open(storeDir(id), id, identity, settings);
    } catch (DamagedStoreException e) {
      damaged.put(id, e.damage());
      LOG.error("store {} is refused: {}", id, e.damage().describe());
      throw e;
    }
    open.put(id, store);
    return store;
  }

  @Override
  public LogStore replica(UUID id) throws KvException {
    return open(id);
  }

  @Override
  public synchronized List<StoreDamage> damaged() {
    return List.copyOf(damaged.values());
  }

  private Path storeDir(UUID id) {
    return dataDir.resolve("stores").resolve(id.toString());
  }

  @Override
  public synchronized void close() throws KvException {
    if (closed) {
      return;
    }
    closed = true;
    KvException failure = null;
    for (Store s : open.values()) {
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
    try {
      lock.release();
    } catch (IOException e) {
      LOG.warn("cannot release {}", dataDir.resolve("lock"), e);
    }
    closeQuietly(lockChannel);
    if (failure != null) {
      throw failure;
    }
  }

  private void ensureOpen() throws KvException {
    if (closed) {
      throw new KvException("data directory " + dataDir + " is closed");
    }
  }

  private static void closeQuietly(FileChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // Nothing more to release.
    }
  }
}
