package org.latticefs.node.replicas;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.cas.store.VerifyingBlobFetcher;
import org.latticefs.fs.inode.InodeSubtrees;
import org.latticefs.gc.HolderCheck;
import org.latticefs.gc.pin.InodeTrees;
import org.latticefs.gc.pin.KeptBlobs;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreMirror;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.mesh.Mesh;
import org.latticefs.node.ReadsFirst;
import org.latticefs.node.gc.NodePins;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wires the copies this node keeps for the mesh, once the mesh runs: the mirror of full stores
 * ({@link StoreMirror}, fetching in the background behind reads), the answers to peers asking which
 * blobs this node keeps ({@link KeptBlobs} behind the {@code keeps/1} exchange), the collector's
 * holder check ({@link MeshHolders}), and what a peer coming up sets off (it is seen, the mirror
 * and the pins try again).
 */
public final class NodeReplicas implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodeReplicas.class);

  /** Most chunks the mirror fetches at once. */
  static final int MIRROR_CONCURRENCY = 4;

  /** How often stores not yet whole here are walked again. */
  static final Duration MIRROR_RETRY = Duration.ofMinutes(1);

  /** How long after a change of a full store it is walked again. */
  static final Duration MIRROR_DEBOUNCE = Duration.ofSeconds(2);

  private final Stores stores;
  private final DiskBlobStore blobs;
  private final Forgetting forgetting;
  private final MeshHolders holders;
  private final ReadsFirst reads = new ReadsFirst();
  private final ExecutorService events =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lattice-replicas");
            t.setDaemon(true);
            return t;
          });
  private volatile StoreMirror mirror;
  private volatile NodePins pins;
  private volatile AutoCloseable storesWatch;

  private NodeReplicas(Stores stores, DiskBlobStore blobs, Forgetting forgetting) {
    this.stores = stores;
    this.blobs = blobs;
    this.forgetting = forgetting;
    this.holders = new MeshHolders(forgetting);
  }

  /**
   * Prepares, before the mesh runs: the record of nodes seen and forgotten ({@code
   * forget.properties} in {@code meshDir}) and the collector's holder check, which confirms nothing
   * until {@link #start}.
   */
  public static NodeReplicas create(
      Path meshDir, DiskStores stores, DiskBlobStore blobs, Duration forgetAfter)
      throws IOException {
    return new NodeReplicas(
        stores,
        blobs,
        Forgetting.open(
            meshDir.resolve(Forgetting.FILE),
            stores.rootKeys(),
            forgetAfter,
            InstantSource.system()));
  }

  /** The collector's check of copies elsewhere (see {@link MeshHolders}). */
  public HolderCheck holders() {
    return holders;
  }

  /** {@code peers} as reads of the mount use it: ahead of the mirror (see {@link ReadsFirst}). */
  public BlobFetcher foreground(BlobFetcher peers) {
    return reads.foreground(peers);
  }

  /** Starts it all over the running {@code mesh} (see the class doc). */
  public void start(Mesh mesh, NodePins pins) {
    Presence presence = NodePins.presence(stores);
    InodeTrees trees = NodePins.trees(new InodeSubtrees(stores));
    KeptBlobs kept = new KeptBlobs(blobs, blobs, stores, presence, NodePins.book(stores), trees);
    mesh.keeps().answerFrom((peer, refs) -> kept.kept(refs));
    holders.connect(mesh.keeps());
    this.pins = pins;
    this.mirror =
        new StoreMirror(
            stores,
            presence,
            blobs,
            blobs,
            new VerifyingBlobFetcher(reads.background(mesh.fetcher())),
            blobs,
            trees,
            InstantSource.system(),
            MIRROR_CONCURRENCY,
            MIRROR_RETRY,
            MIRROR_DEBOUNCE);
    pins.onBecameFull(mirror::kick);
    mesh.onPeerUp(this::peerUp);
    mirror.start();
    try {
      // A store declared later (here or by a peer) is mirrored as soon as it is known.
      storesWatch = stores.root().watch("/stores/", change -> later(mirror::kick));
    } catch (IOException e) {
      LOG.warn("new stores are mirrored only at the next retry: {}", e.toString());
    }
  }

  private void later(Runnable r) {
    try {
      events.execute(r);
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  private void peerUp(NodeId peer) {
    // At once, so a node forgotten before this connection came up counts again from now on.
    forgetting.markSeen(peer, forgetting.now());
    try {
      events.execute(
          () -> {
            try {
              forgetting.flush();
            } catch (IOException | RuntimeException e) {
              LOG.warn("cannot record that {} was seen: {}", peer, e.toString());
            }
            mirror.kick();
            pins.retryNow();
          });
    } catch (RejectedExecutionException e) {
      // closing
    }
  }

  /** Forgets {@code peer} now ({@code peer forget}): it no longer counts as a holder. */
  public void forget(NodeId peer) throws IOException {
    forgetting.forget(peer);
  }

  /** The mirror (its counters and progress); null before {@link #start}. */
  public StoreMirror mirror() {
    return mirror;
  }

  /**
   * What {@code status} shows of the mirror: per full store its progress, and the totals (or why it
   * cannot say); null before {@link #start}.
   */
  public Map<String, Object> status() {
    StoreMirror m = mirror;
    if (m == null) {
      return null;
    }
    Map<String, Object> out = new LinkedHashMap<>();
    try {
      out.put("stores", m.status());
    } catch (IOException e) {
      out.put("error", e.toString());
    }
    out.put("fetched_blobs", m.stats().fetchedBlobs());
    out.put("fetched_bytes", m.stats().fetchedBytes());
    out.put("yielded_to_reads", reads.yielded());
    return out;
  }

  @Override
  public void close() {
    if (storesWatch != null) {
      try {
        storesWatch.close();
      } catch (Exception e) {
        LOG.debug("closing the stores watch failed", e);
      }
    }
    events.shutdownNow();
    if (mirror != null) {
      mirror.close();
    }
  }
}
