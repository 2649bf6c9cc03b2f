package org.latticefs.node;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.kv.Head;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.StoreCatalog;
import org.latticefs.mesh.peer.StaticPeers;
import org.latticefs.mesh.peer.Trust;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;
import org.latticefs.node.gc.FsckJobs;
import org.latticefs.node.gc.GcJobs;
import org.latticefs.node.gc.NodeCollector;
import org.latticefs.node.gc.NodePins;

/**
 * A {@link NodeApi} over stores opened in this process. Used directly by CLI commands when no
 * daemon runs, and by the daemon to answer control requests. Safe for concurrent use (the stores
 * are).
 *
 * <p>Without a daemon there is no mount: {@link #status}, {@link #stat} and {@link #shutdown} fail
 * with exit code 3.
 */
public final class LocalNode implements NodeApi {
  private static final int KV_READ_ROWS = 16;

  private final DataDir dir;
  private final Stores stores;
  private final boolean ownsStores;

  /** Opened on the first gc job: the blob store and its collector (no daemon runs). */
  private DiskBlobStore blobs;

  private NodeCollector collector;

  private NodePins pins;

  private FsckJobs fsck;

  /** Wraps already open stores; {@code ownsStores}: {@link #close} closes them. */
  public LocalNode(DataDir dir, Stores stores, boolean ownsStores) {
    this.dir = dir;
    this.stores = stores;
    this.ownsStores = ownsStores;
  }

  /**
   * Opens the data directory here, creating it and the identity if missing. Fails with a clear
   * message if another process (a daemon, another command) has it open.
   */
  public static LocalNode open(DataDir dir) throws IOException {
    return new LocalNode(dir, NodeStores.open(dir), true);
  }

  /** The kv stores this node reads and writes. */
  public Stores kvStores() {
    return stores;
  }

  @Override
  public String nodeId() {
    return NodeStores.idText(stores.nodeId());
  }

  @Override
  public List<StoreRow> stores() throws IOException {
    List<StoreRow> out = new ArrayList<>();
    for (StoreInfo s : stores.listStores()) {
      out.add(row(s));
    }
    out.sort(Comparator.comparing(StoreRow::name).thenComparing(StoreRow::id));
    return out;
  }

  @Override
  public StoreRow createStore(String name) throws IOException {
    if (name == null
        || name.isEmpty()
        || name.contains("/")
        || name.equals(".")
        || name.equals("..")) {
      throw new NodeException("not a valid store name: '" + name + "' (it names a folder)");
    }
    if (stores.findStore(name).isPresent()) {
      throw new NodeException("a store named '" + name + "' already exists");
    }
    return row(stores.createStore(name));
  }

  @Override
  public StoreRow removeStore(String nameOrUuid) throws IOException {
    StoreInfo s = find(nameOrUuid);
    stores.deleteStore(s.id());
    return row(s);
  }

  @Override
  public String put(String store, String key, byte[] value) throws IOException {
    return store(store).commit(List.of(new Op.Put(key, value))).hex();
  }

  @Override
  public Optional<byte[]> get(String store, String key) throws IOException {
    return store(store).get(key);
  }

  @Override
  public boolean remove(String store, String key) throws IOException {
    Store s = store(store);
    if (s.get(key).isEmpty()) {
      return false;
    }
    s.commit(List.of(new Op.Delete(key)));
    return true;
  }

  @Override
  public List<Row> list(String store, String prefix, String afterKey, int limit)
      throws IOException {
    Store s = store(store);
    List<Row> out = new ArrayList<>();
    long bytes = 0;
    String after = afterKey;
    while (out.size() < limit) {
      // Small reads from kv: each value may be up to 1 MiB.
      int want = Math.min(limit - out.size(), KV_READ_ROWS);
      List<KeyValue> read = s.list(prefix, after, want);
      for (KeyValue kv : read) {
        long size = kv.key().length() + (long) kv.value().length;
        if (!out.isEmpty() && bytes + size > PAGE_BYTES) {
          return out;
        }
        out.add(new Row(kv.key(), kv.value()));
        bytes += size;
        after = kv.key();
      }
      if (read.size() < want) {
        break;
      }
    }
    return out;
  }

  @Override
  public List<HeadRow> heads(String store, String key) throws IOException {
    List<HeadRow> out = new ArrayList<>();
    for (Head h : store(store).heads(key)) {
      out.add(
          new HeadRow(
              h.key(),
              h.valueIfPresent().orElse(null),
              h.hlc().toString(),
              NodeStores.idText(h.author()),
              h.entry().hex()));
    }
    return out;
  }

  @Override
  public List<EntryRow> history(String store, String key, int limit) throws IOException {
    return NodeStores.history(store(store), key, limit);
  }

  @Override
  public String invite(long ttlSeconds) throws IOException {
    throw notRunning();
  }

  @Override
  public JoinRow join(String line) throws IOException {
    throw notRunning();
  }

  /** The peers as the root store knows them; none is connected without a daemon. */
  @Override
  public List<PeerRow> peers() throws IOException {
    List<PeerRow> out = new ArrayList<>();
    for (RootStore.NodeInfo n : catalog().rootKeys().nodes()) {
      if (!n.id().equals(stores.nodeId())) {
        out.add(
            new PeerRow(
                n.id().toString(),
                n.name(),
                n.status().map(RootStore.NodeStatus::text).orElse("unknown"),
                n.addrs(),
                false,
                null,
                0,
                -1,
                List.of()));
      }
    }
    return out;
  }

  @Override
  public boolean revoke(String id) throws IOException {
    return Trust.revoke(
        catalog().rootKeys(), new StaticPeers(dir.mesh()), stores.nodeId(), NodeMesh.parseId(id));
  }

  @Override
  public void addPeer(String id, String addr) throws IOException {
    Trust.add(
        catalog().rootKeys(),
        new StaticPeers(dir.mesh()),
        stores.nodeId(),
        NodeMesh.parseId(id),
        NodeMesh.parseAddr(addr));
  }

  private StoreCatalog catalog() {
    return (StoreCatalog) stores;
  }

  @Override
  public Status status() throws IOException {
    throw notRunning();
  }

  @Override
  public FileStat stat(String path) throws IOException {
    throw notRunning();
  }

  /**
   * Runs the job on the data directory opened here (this process holds its lock, so no daemon can
   * write meanwhile): opens the blob store on the first job, with the quota and free space of the
   * config, and keeps it until {@link #close}.
   */
  @Override
  public synchronized String startGc(String kind) throws IOException {
    GcJobs.Kind k = GcJobs.Kind.parse(kind);
    if (collector == null) {
      collector = new NodeCollector(blobs(), stores, config(), dir.staging());
    }
    return collector.jobs().start(k);
  }

  private NodeConfig config() throws IOException {
    return NodeConfig.load(dir.config());
  }

  /** The blob store, opened on first use with the config's quota and free space. */
  private synchronized DiskBlobStore blobs() throws IOException {
    if (blobs == null) {
      NodeConfig config = config();
      blobs =
          DiskBlobStore.open(
              dir.blobs(),
              DiskBlobStore.Options.defaults()
                  .withQuotaBytes(config.storageQuota())
                  .withMinFreeBytes(config.minFreeSpace()));
    }
    return blobs;
  }

  private synchronized NodePins nodePins() throws IOException {
    if (pins == null) {
      DiskBlobStore b = blobs();
      pins = new NodePins(stores, b, new LocalFirstFetcher(b, b));
    }
    return pins;
  }

  /** Without a mount only a manifest hash names a pin. */
  private static PinTarget pinTarget(String target) throws NodeException {
    return NodePins.named(target)
        .orElseThrow(
            () ->
                new NodeException(
                    "no lattice-fs daemon runs, so there is no mount to find "
                        + target
                        + " in: mount first, or pin a manifest hash (lattice-fs stat shows it)",
                    3,
                    null));
  }

  /** Pins a manifest hash and walks it now (fetching what is missing through the fetch seam). */
  @Override
  public Map<String, Object> pinAdd(String target) throws IOException {
    return nodePins().add(pinTarget(target));
  }

  @Override
  public boolean pinRemove(String target) throws IOException {
    Optional<PinTarget> hash = NodePins.named(target);
    if (hash.isPresent()) {
      return NodePins.book(stores).remove(hash.get());
    }
    throw new NodeException(
        "no lattice-fs daemon runs, so there is no mount to find "
            + target
            + " in: mount first, or unpin by hash (lattice-fs pin ls lists them)",
        3,
        null);
  }

  @Override
  public List<Map<String, Object>> pins() throws IOException {
    return nodePins().list();
  }

  @Override
  public List<Map<String, Object>> versions(String path) throws IOException {
    throw notRunning();
  }

  /** Runs fsck on the data directory opened here (no background scrub). */
  @Override
  public synchronized String startFsck(boolean repair) throws IOException {
    if (fsck == null) {
      DiskBlobStore b = blobs();
      fsck =
          NodeCollector.fsck(dir, b, new LocalFirstFetcher(b, b), stores, java.time.Duration.ZERO);
    }
    return fsck.start(repair);
  }

  @Override
  public synchronized GcJob fsckJob(String id) throws IOException {
    if (fsck == null) {
      throw new NodeException("no fsck job " + id);
    }
    return fsck.poll(id);
  }

  @Override
  public Map<String, Object> whereis(String target) throws IOException {
    PinTarget t = pinTarget(target);
    if (!(t instanceof PinTarget.Manifest m)) {
      throw new NodeException("whereis takes a manifest hash or a path: " + target);
    }
    return nodePins().whereis(target, m.ref(), null, null);
  }

  @Override
  public Map<String, Object> setStoreMode(String store, String mode) throws IOException {
    return nodePins().setMode(storeInfo(store), mode);
  }

  /** The declared store named {@code nameOrUuid}. */
  public StoreInfo storeInfo(String nameOrUuid) throws IOException {
    return find(nameOrUuid);
  }

  @Override
  public synchronized GcJob gcJob(String id) throws IOException {
    if (collector == null) {
      throw new NodeException("no gc job " + id);
    }
    return collector.jobs().poll(id);
  }

  @Override
  public void shutdown() throws IOException {
    throw notRunning();
  }

  private NodeException notRunning() {
    return new NodeException(
        "no lattice-fs daemon is running for "
            + dir.root()
            + " (start one with: lattice-fs mount DIR)",
        3,
        null);
  }

  /** The store named {@code nameOrUuid}; null or empty means the root store. */
  public Store store(String nameOrUuid) throws IOException {
    if (nameOrUuid == null || nameOrUuid.isEmpty()) {
      return stores.root();
    }
    return stores.open(find(nameOrUuid).id());
  }

  private StoreInfo find(String nameOrUuid) throws IOException {
    Optional<StoreInfo> s = stores.findStore(nameOrUuid);
    if (s.isEmpty()) {
      throw new NodeException("no such store: '" + nameOrUuid + "' (see: lattice-fs store ls)");
    }
    return s.get();
  }

  private static StoreRow row(StoreInfo s) {
    return new StoreRow(s.id().toString(), s.name(), s.createdAtMillis());
  }

  @Override
  public void close() throws IOException {
    try {
      synchronized (this) {
        if (fsck != null) {
          fsck.close();
        }
        if (pins != null) {
          pins.close();
        }
        if (collector != null) {
          collector.close();
        }
        if (blobs != null) {
          blobs.close();
        }
      }
    } finally {
      if (ownsStores) {
        stores.close();
      }
    }
  }
}
