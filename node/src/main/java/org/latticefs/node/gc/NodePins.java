package org.latticefs.node.gc;

import java.io.IOException;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.inode.InodeSubtrees;
import org.latticefs.gc.pin.InodeTrees;
import org.latticefs.gc.pin.Pin;
import org.latticefs.gc.pin.PinBook;
import org.latticefs.gc.pin.PinKeys;
import org.latticefs.gc.pin.PinReconciler;
import org.latticefs.gc.pin.PinStatus;
import org.latticefs.gc.pin.PinTarget;
import org.latticefs.gc.pin.Presence;
import org.latticefs.gc.pin.StoreHolds;
import org.latticefs.gc.pin.StoreMode;
import org.latticefs.kv.Stores;
import org.latticefs.node.NodeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's pins as the CLI sees them ({@code pin add|rm|ls}): wires the pin reconciler over the
 * blob store, the fetch seam and the filesystem's inode trees, and turns pins into JSON-ready rows.
 * In the daemon the reconciler runs in the background ({@link #startBackground}); on a data
 * directory opened without one, {@link #add} walks the pin on the caller's thread. Thread-safe.
 */
public final class NodePins implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(NodePins.class);

  /** How often pins that could not be completed are tried again. */
  static final Duration RETRY = Duration.ofMinutes(1);

  /** How long after a change of a store its file and folder pins are walked again. */
  static final Duration DEBOUNCE = Duration.ofSeconds(2);

  private final Stores stores;
  private final PinBook book;
  private final PinReconciler reconciler;
  private final Presence presence;
  private final StoreHolds storeHolds;
  private final Whereis whereis;
  private final ExecutorService claims =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lattice-presence");
            t.setDaemon(true);
            return t;
          });
  private boolean background;

  public NodePins(Stores stores, DiskBlobStore blobs, BlobFetcher fetcher) {
    this.stores = stores;
    this.book = book(stores);
    InodeTrees trees = trees(new InodeSubtrees(stores));
    this.reconciler = new PinReconciler(book, blobs, fetcher, blobs, trees, RETRY, DEBOUNCE);
    this.presence = presence(stores);
    this.storeHolds =
        new StoreHolds(stores, presence, blobs, fetcher, blobs, trees, InstantSource.system());
    this.whereis = new Whereis(presence, blobs);
  }

  /** Modes and presence in this node's root store. */
  public static Presence presence(Stores stores) {
    return new Presence(stores.root(), stores.nodeId().toString());
  }

  /** The pin book of this node's root store. */
  public static PinBook book(Stores stores) {
    return new PinBook(stores.root(), stores.nodeId().toString());
  }

  /** The filesystem's inode walks as the reconciler's seam. */
  static InodeTrees trees(InodeSubtrees subtrees) {
    return new InodeTrees() {
      @Override
      public boolean forEach(UUID store, String id, ManifestRoots.Sink sink) throws IOException {
        return subtrees.forEach(store, id, sink);
      }

      @Override
      public AutoCloseable watch(UUID store, Runnable changed) throws IOException {
        return subtrees.watch(store, changed);
      }
    };
  }

  /** Runs the reconciler on its own thread (the daemon). */
  public NodePins startBackground() throws IOException {
    reconciler.start();
    background = true;
    claimStores();
    return this;
  }

  /** Claims, in the background, the full stores found whole here ({@link StoreHolds}). */
  private void claimStores() {
    claims.execute(
        () -> {
          try {
            List<String> claimed = storeHolds.run();
            if (!claimed.isEmpty()) {
              LOG.info("this node holds every blob of {}: presence written", claimed);
            }
          } catch (IOException | RuntimeException e) {
            LOG.warn("writing the presence of full stores failed: {}", e.toString());
          }
        });
  }

  /** Sets this node's mode for {@code store}; returns the answer {@code store mode} prints. */
  public Map<String, Object> setMode(Stores.StoreInfo store, String mode) throws IOException {
    StoreMode m =
        StoreMode.parse(mode)
            .orElseThrow(
                () -> new NodeException("unknown store mode '" + mode + "' (full, on-demand)"));
    boolean changed = presence.setMode(store.id(), m);
    if (m == StoreMode.FULL && background) {
      claimStores();
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("store", store.name());
    out.put("store_id", store.id().toString());
    out.put("mode", m.text());
    out.put("changed", changed);
    return out;
  }

  /** See {@link Whereis}. */
  public Map<String, Object> whereis(String what, BlobRef manifest, UUID store, String inode)
      throws IOException {
    return whereis.answer(what, manifest, store, inode);
  }

  /**
   * The target a {@code pin} argument names without a path: a manifest hash (64 hex digits), or an
   * inode pin as {@code pin ls} prints it ({@code inode/{store uuid}/{id}}, for unpinning a file
   * that is gone); empty otherwise (a path).
   */
  public static Optional<PinTarget> named(String arg) {
    if (arg.matches("[0-9a-fA-F]{64}")) {
      return Optional.of(new PinTarget.Manifest(BlobRef.parse(arg.toLowerCase())));
    }
    if (arg.startsWith("inode/")) {
      return PinKeys.parse("-", PinKeys.pins("-") + arg);
    }
    return Optional.empty();
  }

  /** Pins {@code target}; without a daemon, also walks it now. Returns its row. */
  public Map<String, Object> add(PinTarget target) throws IOException {
    if (background) {
      Pin p = reconciler.add(target);
      return row(
          statusOf(target)
              .orElse(new PinStatus(target, p.state(), "queued", -1, -1, 0, 0, List.of())));
    }
    book.add(target);
    return row(reconciler.reconcileNow(target));
  }

  /** Unpins {@code target}: nothing is deleted. */
  public boolean remove(PinTarget target) throws IOException {
    return book.remove(target);
  }

  /** Every pin of this node as a row (see {@link #row}). */
  public List<Map<String, Object>> list() throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (PinStatus s : statuses()) {
      out.add(row(s));
    }
    return out;
  }

  /** This node's mode for {@code store} ({@code full} unless it chose otherwise). */
  public StoreMode mode(UUID store) throws IOException {
    return presence.mode(presence.node(), store);
  }

  /**
   * The reconciler's view of every pin of this node, in key order; in a process without the
   * background reconciler, every pin as {@code not-running}.
   */
  public List<PinStatus> statuses() throws IOException {
    if (background) {
      return reconciler.status();
    }
    List<PinStatus> out = new ArrayList<>();
    for (Pin p : book.list()) {
      out.add(new PinStatus(p.target(), p.state(), "not-running", -1, -1, 0, 0, List.of()));
    }
    return out;
  }

  /** The reconciler's view of one pin, if pinned. */
  public Optional<PinStatus> statusOf(PinTarget target) throws IOException {
    for (PinStatus s : reconciler.status()) {
      if (s.target().equals(target)) {
        return Optional.of(s);
      }
    }
    return Optional.empty();
  }

  /** Whether every pin is stored and nothing is being walked (for tests). */
  public boolean awaitIdle(Duration timeout) throws InterruptedException {
    return reconciler.awaitIdle(timeout);
  }

  /** A pin as {@code pin ls --json} prints it. */
  Map<String, Object> row(PinStatus s) throws IOException {
    Map<String, Object> m = new LinkedHashMap<>();
    if (s.target() instanceof PinTarget.Manifest mf) {
      m.put("kind", "manifest");
      m.put("target", mf.ref().hex());
    } else if (s.target() instanceof PinTarget.Inode in) {
      m.put("kind", "inode");
      m.put("target", s.target().text());
      m.put("store_id", in.store().toString());
      m.put("store", storeName(in.store()));
      m.put("inode", in.id());
    }
    m.put("state", s.state().text());
    m.put("phase", s.phase());
    m.put("blobs", s.blobs());
    m.put("bytes", s.bytes());
    m.put("fetched_bytes", s.fetchedBytes());
    m.put("missing", s.missing());
    m.put("problems", new ArrayList<Object>(s.problems()));
    return m;
  }

  private String storeName(UUID id) throws IOException {
    for (Stores.StoreInfo i : stores.listStores()) {
      if (i.id().equals(id)) {
        return i.name();
      }
    }
    return null;
  }

  /** {@code pin rm}'s answer for a target that was not pinned. */
  static NodeException notPinned(String arg) {
    return new NodeException(arg + " is not pinned on this node (see: lattice-fs pin ls)");
  }

  @Override
  public void close() {
    claims.shutdownNow();
    reconciler.close();
  }
}
