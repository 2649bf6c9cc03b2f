package org.latticefs.node;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.Owners;
import org.latticefs.fs.UnsavedFile;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;
import org.latticefs.node.control.ControlServer;
import org.latticefs.node.format.DataDirFormat;
import org.latticefs.node.gc.FsckJobs;
import org.latticefs.node.gc.GcJobs;
import org.latticefs.node.gc.NodeCollector;
import org.latticefs.node.gc.NodePins;
import org.latticefs.node.http.HttpService;
import org.latticefs.node.metrics.CasMetrics;
import org.latticefs.node.metrics.FuseMetrics;
import org.latticefs.node.metrics.GcMetrics;
import org.latticefs.node.metrics.LogMetrics;
import org.latticefs.node.metrics.MeshMetrics;
import org.latticefs.node.metrics.NodeMetrics;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root of a running node: opens the kv stores and the blob store of a data
 * directory, mounts the filesystem over them, serves the control socket, and takes it all down in
 * reverse order on {@link #stop()} (also run by a shutdown hook on SIGTERM/SIGINT).
 *
 * <h2>Order</h2>
 *
 * Start: the data directory made private and brought to this build's format ({@link
 * DataDirFormat}), stale-mount cleanup, kv stores (exclusive lock), blob store, filesystem,
 * collector, pins and scrub (their first work in the background), FUSE mount (waited for), mesh
 * (listening, dialing peers, syncing), metrics and status page, control socket, {@code
 * daemon.properties}. {@link #start} returns once all of it runs: that is "ready" ({@code mount}
 * tells systemd then, {@link SystemdNotify}), and the control socket, up last, answers only a ready
 * daemon. Stop: control socket, mesh (connections closed, sync tasks finished), unmount (waited
 * for; open files committed), filesystem, blob store, kv stores, {@code daemon.properties}.
 *
 * <h2>Crashes</h2>
 *
 * After a SIGKILL the kernel keeps a dead FUSE mount and {@code daemon.properties} names it; the
 * next start finds it (the recorded pid is gone, the mount answers ENOTCONN) and unmounts it first.
 * Content whose fsync or close returned before the kill is in the logs and blob store.
 */
public final class Daemon implements NodeApi {
  private static final Logger log = LoggerFactory.getLogger(Daemon.class);
  private static final String XODUS_CACHE_PROPERTY = "exodus.memoryUsage";

  /**
   * How long the kernel may answer from its cache of names and attributes before asking the
   * filesystem again (libfuse2's default is 1 s each). A change a peer made shows in this mount at
   * most this long after it arrived here: the binding cannot invalidate the kernel's caches, so the
   * timeouts bound how stale they are. {@code mount.options} may set others (they come later).
   */
  static final List<String> KERNEL_CACHE_OPTIONS =
      List.of("-o", "entry_timeout=0.5,attr_timeout=0.5");

  private final DataDir dir;
  private final NodeConfig config;
  private final Path mountpoint;
  private final long startedAt = System.currentTimeMillis();
  private final CountDownLatch stopped = new CountDownLatch(1);
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private DiskStores stores;
  private NodeMesh mesh;
  private AutoCloseable storesWatch;
  private LocalNode local;
  private DiskBlobStore blobs;
  private FetchedBlobs fetched;
  private LatticeFileSystem fs;
  private NodeCollector gc;
  private NodePins pins;
  private FsckJobs fsck;
  private MountPaths paths;
  private final java.util.concurrent.locks.ReentrantLock lifecycle =
      new java.util.concurrent.locks.ReentrantLock();
  private volatile boolean stopRequested;
  private FuseMount mount;
  private ControlServer control;
  private HttpService http;
  private volatile String metricsProblem;
  private volatile Runnable stoppingListener;
  private boolean stopping;

  /**
   * The one metrics registry of this node. Modules count in plain fields of their own; node
   * registers collectors here that read them at scrape time ({@code org.latticefs.node.metrics}). A
   * module added later (gc, mesh) registers its collectors in it the same way, in {@link #open}.
   */
  private final PrometheusRegistry registry = new PrometheusRegistry();

  private Daemon(DataDir dir, NodeConfig config, Path mountpoint) {
    this.dir = dir;
    this.config = config;
    this.mountpoint = mountpoint;
  }

  /**
   * Starts a node that serves {@code dir} and mounts it at {@code mountpoint} (created if missing).
   * On failure everything opened so far is closed again and the exception says why.
   */
  public static Daemon start(DataDir dir, NodeConfig config, Path mountpoint) throws IOException {
    return start(dir, config, mountpoint, d -> {});
  }

  /**
   * {@link #start(DataDir, NodeConfig, Path)}, handing the daemon to {@code created} before it
   * opens anything, so a caller can arrange for {@link #stop()} (a shutdown hook for SIGINT and
   * SIGTERM) before the mount exists: a stop that comes while the daemon starts waits for the start
   * to finish or give up, then unmounts, so no signal leaves a dead mount behind.
   */
  public static Daemon start(
      DataDir dir, NodeConfig config, Path mountpoint, java.util.function.Consumer<Daemon> created)
      throws IOException {
    Daemon d = new Daemon(dir, config, mountpoint.toAbsolutePath().normalize());
    created.accept(d);
    try {
      d.open();
    } catch (IOException | RuntimeException e) {
      d.stop();
      throw e;
    }
    return d;
  }

  private void open() throws IOException {
    lifecycle.lock();
    try {
      openLocked();
    } finally {
      lifecycle.unlock();
    }
  }

  /** Fails the start if a stop was asked for meanwhile (nothing more is opened then). */
  private void checkNotStopping() throws NodeException {
    if (stopRequested) {
      throw new NodeException("stopped while starting");
    }
  }

  private void openLocked() throws IOException {
    checkNotStopping();
    DataDirFormat.prepare(dir);
    cleanStaleMounts();
    if (!Files.isDirectory(mountpoint)) {
      if (Files.exists(mountpoint)) {
        throw new NodeException("cannot mount on " + mountpoint + ": not a directory");
      }
      Files.createDirectories(mountpoint);
      log.info("created mount point {}", mountpoint);
    }
    Optional<Mounts.MountEntry> existing = Mounts.at(mountpoint);
    if (existing.isPresent()) {
      throw new NodeException(
          mountpoint
              + " is already a mount point ("
              + existing.get().fsType()
              + " from "
              + existing.get().source()
              + "); unmount it first");
    }
    // kv's state engine (Xodus) sizes its shared page cache from this property when the first
    // store opens; unset, it takes half of the heap.
    if (System.getProperty(XODUS_CACHE_PROPERTY) == null) {
      System.setProperty(XODUS_CACHE_PROPERTY, Long.toString(config.kvCacheBytes()));
    }
    stores = NodeStores.open(dir);
    local = new LocalNode(dir, stores, false);
    // The store enforces the quota and the free space itself, on every write, before writing.
    blobs =
        DiskBlobStore.open(
            dir.blobs(),
            DiskBlobStore.Options.defaults()
                .withQuotaBytes(config.storageQuota())
                .withMinFreeBytes(config.minFreeSpace()));
    // Blobs missing or corrupt here come from peers (added once the mesh runs), verified.
    fetched = new FetchedBlobs(blobs);
    LocalFirstFetcher fetcher = new LocalFirstFetcher(blobs, blobs, fetched);
    // The filesystem's chunk cache (manifests, random reads, edits); node builds what fs reads.
    CachingBlobFetcher chunkCache = new CachingBlobFetcher(fetcher, config.chunkCacheBytes());
    QuotaSpace space = new QuotaSpace(blobs, config.storageQuota(), config.minFreeSpace());
    FsConfig fsConfig =
        FsConfig.of(stores, fetcher, chunkCache, new FileIngester(blobs), dir.staging())
            .withReadaheadBytes(config.readaheadBytes())
            .withAtimeFile(dir.atimes())
            .withStagingMemoryBytes(config.stagingMemoryBytes())
            .withSpace(space)
            .withOwners(owners(config.fsOwner()))
            // What open files store stays held until committed; the collector respects holds.
            .withHolder(blobs);
    fs = new LatticeFileSystem(fsConfig);
    gc = new NodeCollector(blobs, stores, config, dir.staging()).startBackground(blobs);
    pins = new NodePins(stores, blobs, fetcher).startBackground();
    fsck = NodeCollector.fsck(dir, blobs, fetcher, stores, config.fsckInterval()).startBackground();
    space.setReclaimer(gc.service());
    paths = new MountPaths(mountpoint, fs, stores, pins, config.keepDeleted());
    List<String> options = new ArrayList<>(FuseMount.DEFAULT_OPTIONS);
    options.addAll(KERNEL_CACHE_OPTIONS);
    if (!config.mountOptions().isEmpty()) {
      for (String w : config.mountOptions().warnings()) {
        log.warn(w);
      }
      options.add("-o");
      options.add(config.mountOptions().joined());
    }
    LatticeFileSystem served = fs;
    NodeMetrics.register(registry, version(), startedAt);
    new CasMetrics(registry, blobs, config.storageQuota());
    new LogMetrics(registry, stores);
    new GcMetrics(registry, gc.service()::stats);
    FuseMetrics fuseMetrics = new FuseMetrics(registry, served::openFileCount);
    checkNotStopping();
    mount = FuseMount.mount(fs, mountpoint, options, fuseMetrics);
    // Stores declared elsewhere (by a peer, through the root store) appear in the mount root.
    storesWatch = stores.root().watch("/stores/", change -> fs.invalidateStores());
    mesh = NodeMesh.start(dir, config.mesh(), stores, blobs);
    fetcher.addRemote(mesh.mesh().fetcher());
    new MeshMetrics(registry, mesh.mesh()::blobStats, mesh.mesh()::peers);
    if (!config.metricsListen().isOff()) {
      try {
        http = HttpService.start(config.metricsListen(), registry, this::status);
      } catch (IOException e) {
        // The files matter more than their metrics: mount anyway, say so loudly and in status.
        metricsProblem = e.getMessage();
        log.error(
            "{}; the mount works, metrics and the status page are not served", metricsProblem);
      }
    }
    // Last: a client that reaches the control socket (mount --daemon waits for it) finds
    // everything else running.
    control = ControlServer.start(dir, this);
    try {
      writeDaemonInfo();
    } catch (IOException e) {
      // A full disk must not keep the node from starting (deleting files is how space comes
      // back): the record only serves the cleanup after a crash, which also checks the mount point.
      log.warn(
          "could not record this daemon in {} ({}); after a crash, 'lattice-fs unmount {}' cleans"
              + " up the dead mount",
          dir.daemonInfo(),
          e.getMessage(),
          mountpoint);
    }
    log.info("node {} mounted at {}", local.nodeId(), mountpoint);
  }

  /**
   * Who files show as owned by ({@code fs.owner}): by default the stored numbers (POSIX chown
   * semantics); {@code mount} shows every file as owned by the user running this daemon, whichever
   * node wrote it (uids are local to each box); {@code UID:GID} one fixed owner.
   */
  static Owners owners(String setting) throws IOException {
    if (setting.equals("stored")) {
      return Owners.stored();
    }
    if (setting.equals("mount")) {
      Path self = Path.of("/proc/self");
      return Owners.everything(
          (Integer) Files.getAttribute(self, "unix:uid"),
          (Integer) Files.getAttribute(self, "unix:gid"));
    }
    String[] ug = setting.split(":");
    return Owners.everything(Integer.parseInt(ug[0]), Integer.parseInt(ug[1]));
  }

  /**
   * What this node's blob exchange did since it started (blobs fetched from and served to peers).
   */
  public org.latticefs.mesh.blob.FetchStats blobStats() {
    return mesh.mesh().blobStats();
  }

  /**
   * Runs {@code listener} once when a stop begins, whoever asked for it (a signal, {@code unmount},
   * a failed start), before anything is closed; the foreground mount tells systemd with it.
   */
  public void onStopping(Runnable listener) {
    this.stoppingListener = listener;
  }

  /** Blocks until {@link #stop()} has finished (from a signal, {@code unmount}, or a failure). */
  public void awaitStop() throws InterruptedException {
    stopped.await();
  }

  /** Unmounts and closes everything, in order. Idempotent; safe from any thread. */
  public void stop() {
    // A start in progress (on another thread) finishes or gives up first: it holds the lifecycle
    // lock until then, and checks this flag before it mounts.
    stopRequested = true;
    lifecycle.lock();
    try {
      stopLocked();
    } finally {
      lifecycle.unlock();
    }
  }

  private void stopLocked() {
    synchronized (this) {
      if (stopping) {
        return;
      }
      stopping = true;
    }
    try {
      Runnable listener = stoppingListener;
      if (listener != null) {
        listener.run();
      }
      if (http != null) {
        http.close();
      }
      if (control != null) {
        control.close();
      }
      // No entries from peers while the mount flushes its open files.
      closeQuietly(mesh, "mesh");
      closeQuietly(storesWatch, "store watch");
      if (mount != null) {
        try {
          mount.unmount();
        } catch (IOException | RuntimeException e) {
          log.warn("{} is busy ({}); detaching it lazily", mountpoint, e.getMessage());
          Mounts.fusermountUnmount(mountpoint, true);
        }
      }
      if (blobs != null) {
        blobs.setReclaimer(null);
      }
      closeQuietly(fsck, "scrub");
      closeQuietly(pins, "pin reconciler");
      closeQuietly(gc, "garbage collector");
      closeQuietly(fs, "filesystem");
      closeQuietly(fetched, "blobs fetched from peers");
      closeQuietly(blobs, "blob store");
      closeQuietly(stores, "kv stores");
      if (mount != null && Mounts.at(mountpoint).isEmpty()) {
        Files.deleteIfExists(dir.daemonInfo());
      }
    } catch (IOException | RuntimeException e) {
      log.error("stopping the node failed", e);
    } finally {
      stopped.countDown();
    }
  }

  private static void closeQuietly(AutoCloseable c, String what) {
    if (c == null) {
      return;
    }
    try {
      c.close();
    } catch (Exception e) {
      log.error("closing the {} failed", what, e);
    }
  }

  /**
   * A previous daemon that died without unmounting leaves {@code daemon.properties} and a dead FUSE
   * mount; unmount it (see {@link DaemonRecord#cleanStale}).
   */
  private void cleanStaleMounts() throws IOException {
    DaemonRecord.cleanStale(dir, mountpoint);
  }

  private void writeDaemonInfo() throws IOException {
    DaemonRecord.write(dir, mountpoint, startedAt);
  }

  /** The recorded daemon of {@code dir} (maybe dead), or null if none is recorded. */
  public static Properties readDaemonInfo(DataDir dir) throws IOException {
    return DaemonRecord.read(dir);
  }

  public Path mountpoint() {
    return mountpoint;
  }

  // ---- NodeApi: kv through the stores this daemon holds, the rest from the mount.

  @Override
  public String nodeId() {
    return local.nodeId();
  }

  @Override
  public List<StoreRow> stores() throws IOException {
    return local.stores();
  }

  @Override
  public StoreRow createStore(String name) throws IOException {
    StoreRow r = local.createStore(name);
    fs.invalidateStores();
    return r;
  }

  @Override
  public StoreRow removeStore(String nameOrUuid) throws IOException {
    StoreRow r = local.removeStore(nameOrUuid);
    fs.invalidateStores();
    return r;
  }

  @Override
  public String put(String store, String key, byte[] value) throws IOException {
    return local.put(store, key, value);
  }

  @Override
  public Optional<byte[]> get(String store, String key) throws IOException {
    return local.get(store, key);
  }

  @Override
  public boolean remove(String store, String key) throws IOException {
    return local.remove(store, key);
  }

  @Override
  public List<Row> list(String store, String prefix, String afterKey, int limit)
      throws IOException {
    return local.list(store, prefix, afterKey, limit);
  }

  @Override
  public List<HeadRow> heads(String store, String key) throws IOException {
    return local.heads(store, key);
  }

  @Override
  public List<EntryRow> history(String store, String key, int limit) throws IOException {
    return local.history(store, key, limit);
  }

  @Override
  public String invite(long ttlSeconds) throws IOException {
    return mesh.invite(ttlSeconds);
  }

  @Override
  public JoinRow join(String line) throws IOException {
    return mesh.join(line);
  }

  @Override
  public List<PeerRow> peers() throws IOException {
    return mesh.peers();
  }

  @Override
  public boolean revoke(String id) throws IOException {
    return mesh.revoke(id);
  }

  @Override
  public void addPeer(String id, String addr) throws IOException {
    mesh.addPeer(id, addr);
  }

  @Override
  public Status status() {
    List<DamagedRow> damaged = new ArrayList<>();
    for (StoreDamage d : stores.damaged()) {
      String name = d.storeId().toString();
      try {
        name = stores.findStore(name).map(Stores.StoreInfo::name).orElse(name);
      } catch (IOException e) {
        // the UUID names it as well
      }
      damaged.add(new DamagedRow(name, d.file().toString(), d.reason()));
    }
    List<UnsavedRow> unsaved = new ArrayList<>();
    for (UnsavedFile u : fs.unsavedFiles()) {
      unsaved.add(
          new UnsavedRow(
              u.store(),
              u.path(),
              u.savedAs(),
              u.keptAt() == null ? null : u.keptAt().toString(),
              u.reason(),
              u.when().toEpochMilli()));
    }
    return new Status(
        ProcessHandle.current().pid(),
        local.nodeId(),
        dir.root().toString(),
        mountpoint.toString(),
        startedAt,
        blobs.blobCount(),
        blobs.bytesStored(),
        damaged,
        unsaved,
        scrubStatus(),
        health());
  }

  private NodeApi.Health health() {
    String metrics =
        http != null
            ? http.address()
            : metricsProblem != null ? "not served: " + metricsProblem : null;
    return NodeHealth.of(
        new NodeHealth.Parts(local, fs, blobs, stores, gc.service(), pins),
        config.storageQuota(),
        metrics);
  }

  /** This build's version ({@code development} when not run from the packaged jar). */
  public static String version() {
    String v = Daemon.class.getPackage().getImplementationVersion();
    return v == null ? "development" : v;
  }

  private Map<String, Object> scrubStatus() {
    try {
      return fsck.status();
    } catch (IOException e) {
      return Map.of("error", e.toString());
    }
  }

  @Override
  public String startFsck(boolean repair) throws IOException {
    return fsck.start(repair);
  }

  @Override
  public GcJob fsckJob(String id) throws IOException {
    return fsck.poll(id);
  }

  @Override
  public FileStat stat(String path) throws IOException {
    return paths.stat(path);
  }

  @Override
  public Map<String, Object> pinAdd(String target) throws IOException {
    return pins.add(paths.pinTarget(target));
  }

  @Override
  public boolean pinRemove(String target) throws IOException {
    return pins.remove(paths.pinTarget(target));
  }

  @Override
  public List<Map<String, Object>> pins() throws IOException {
    return pins.list();
  }

  @Override
  public Map<String, Object> whereis(String target) throws IOException {
    return paths.whereis(target);
  }

  @Override
  public List<Map<String, Object>> versions(String path) throws IOException {
    return paths.versions(path);
  }

  @Override
  public Map<String, Object> setStoreMode(String store, String mode) throws IOException {
    return pins.setMode(local.storeInfo(store), mode);
  }

  @Override
  public String startGc(String kind) throws IOException {
    return gc.jobs().start(GcJobs.Kind.parse(kind));
  }

  @Override
  public GcJob gcJob(String id) throws IOException {
    return gc.jobs().poll(id);
  }

  @Override
  public void shutdown() {
    stop();
  }

  @Override
  public void close() {
    stop();
  }
}
