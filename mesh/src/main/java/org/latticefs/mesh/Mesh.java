package org.latticefs.mesh;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.RootStore.NodeInfo;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.store.StoreCatalog;
import org.latticefs.mesh.blob.BlobExchange;
import org.latticefs.mesh.blob.FetchStats;
import org.latticefs.mesh.blob.MeshBlobs;
import org.latticefs.mesh.keep.KeepExchange;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.net.Transport;
import org.latticefs.mesh.peer.Dialer;
import org.latticefs.mesh.peer.Discovery;
import org.latticefs.mesh.peer.Invites;
import org.latticefs.mesh.peer.StaticPeers;
import org.latticefs.mesh.peer.Trust;
import org.latticefs.mesh.sync.Healer;
import org.latticefs.mesh.sync.SyncHub;
import org.latticefs.mesh.tls.TlsContexts;
import org.latticefs.mesh.wire.ErrorCode;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's place in the mesh: listens for peers, keeps connected to the trusted ones, syncs every
 * store with them, and carries out the peer commands (invite, join, add, revoke, list).
 *
 * <h2>Trust</h2>
 *
 * A peer is trusted when its key is {@code active} in the root store, which replicates: a node
 * admitted by one member is known to all. A key becomes active by an invite (a one-time secret the
 * inviting node checks, {@link #invite}/{@link #join}) or by {@link #add} (the admin typed the key,
 * as with Syncthing's device ids). {@link #revoke} marks it {@code revoked} and cuts its connection
 * at once; every node that learns the revocation does the same, and kv refuses the revoked key's
 * later entries. Discovery (mDNS) and addresses never grant trust.
 *
 * <p>Thread-safe. {@link #close} stops everything: no task outlives it, no entry is half-applied
 * (kv applies each ingest call whole).
 */
public final class Mesh implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Mesh.class);
  private static final List<String> CAPABILITIES =
      List.of("logs/1", Healer.CAPABILITY, BlobExchange.CAPABILITY, KeepExchange.CAPABILITY);

  private final StoreCatalog catalog;
  private final MeshConfig config;
  private final NodeId me;
  private final RootStore root;
  private final ExecutorService pool;
  private final ScheduledExecutorService timer;
  private final SyncHub hub;
  private final BlobExchange blobs;
  private final KeepExchange keeps = new KeepExchange();
  private final Invites invites;
  private final StaticPeers staticPeers;
  private final Peers peers;
  private final Transport transport;
  private final Dialer dialer;
  private final Discovery discovery;
  private final PeerAddresses addresses;
  private volatile HostPort listening;
  private volatile String listenProblem;
  private volatile List<HostPort> advertised = List.of();
  private volatile boolean closed;

  private Mesh(
      StoreCatalog catalog,
      Identity identity,
      MeshConfig config,
      Discovery discovery,
      MeshBlobs served)
      throws SSLException {
    this.catalog = catalog;
    this.config = config;
    this.me = identity.id();
    this.root = catalog.rootKeys();
    this.discovery = discovery;
    this.pool = Executors.newFixedThreadPool(4, threads("mesh-sync"));
    this.timer = Executors.newSingleThreadScheduledExecutor(threads("mesh-timer"));
    this.hub = new SyncHub(catalog, catalog, config.limits(), pool, timer);
    this.blobs =
        new BlobExchange(
            served.local(),
            served.statter(),
            served.scope(),
            served.holders(),
            served.limits(),
            config.name());
    this.invites = Invites.in(config.stateDir());
    this.staticPeers = new StaticPeers(config.stateDir());
    this.addresses = new PeerAddresses(config.staticPeers(), staticPeers, root);
    this.peers =
        new Peers(
            me,
            root,
            invites,
            hub,
            blobs,
            keeps,
            new Healer(catalog, config.limits(), pool, hub::rescan),
            pool,
            this::hello);
    this.transport = new Transport(new TlsContexts(identity), peers, 2);
    this.dialer =
        new Dialer(
            new DialTarget(),
            timer,
            config.backoffBase(),
            config.backoffMax(),
            new SecureRandom(),
            InstantSource.system());
  }

  /**
   * Starts the mesh of a node: its stores ({@code catalog}, whose identity is {@code identity}),
   * listening and dialing as {@code config} says, discovering with {@code discovery}.
   *
   * @throws MeshException if it cannot listen where asked, or its files cannot be read
   */
  public static Mesh start(
      StoreCatalog catalog, Identity identity, MeshConfig config, Discovery discovery)
      throws MeshException {
    return start(catalog, identity, config, discovery, MeshBlobs.none());
  }

  /**
   * As {@link #start(StoreCatalog, Identity, MeshConfig, Discovery)}, serving {@code served}'s
   * blobs to peers (within its scope) and fetching theirs through {@link #fetcher}.
   */
  public static Mesh start(
      StoreCatalog catalog,
      Identity identity,
      MeshConfig config,
      Discovery discovery,
      MeshBlobs served)
      throws MeshException {
    if (!catalog.nodeId().equals(identity.id())) {
      throw new IllegalArgumentException("the identity is not the stores' node");
    }
    Mesh m;
    try {
      m = new Mesh(catalog, identity, config, discovery, served);
    } catch (SSLException e) {
      throw new MeshException("cannot set up TLS: " + e.getMessage(), false, e);
    }
    try {
      m.open();
    } catch (MeshException | RuntimeException e) {
      m.close();
      throw e;
    }
    return m;
  }

  private void open() throws MeshException {
    try {
      staticPeers.all();
      hub.start();
    } catch (IOException e) {
      throw new MeshException("cannot start the mesh: " + e.getMessage(), false, e);
    }
    hub.onRootChange(peers::cutInactive);
    trustConfiguredPeers();
    if (config.listen() != null) {
      try {
        listening = transport.listen(config.listen());
      } catch (MeshException e) {
        // The node works without: it still dials its peers. Status and invite say why.
        listenProblem = e.getMessage();
        LOG.error("{}; peers cannot connect to this node (it still dials them)", listenProblem);
      }
    }
    advertised = advertise();
    announceSelf();
    dialer.start();
    if (listening != null) {
      discovery.start(me, listening.port(), this::found);
    }
    LOG.info(
        "mesh of {} started ({}; advertised {})",
        me,
        listening == null ? "not listening" : "listening on " + listening,
        advertised);
  }

  private static ThreadFactory threads(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  private Message.Hello hello() {
    List<String> addrs = new ArrayList<>();
    for (HostPort a : advertised) {
      addrs.add(a.toString());
    }
    return new Message.Hello(
        Session.MIN_VERSION,
        Session.MAX_VERSION,
        config.name(),
        CAPABILITIES,
        addrs.subList(0, Math.min(addrs.size(), 16)),
        new byte[0]);
  }

  /** The addresses peers should dial (see {@link MeshConfig#announce}). */
  private List<HostPort> advertise() {
    if (!config.announce().isEmpty()) {
      return config.announce();
    }
    if (listening == null) {
      return List.of();
    }
    String host = config.listen().host();
    if (!host.equals("0.0.0.0") && !host.equals("::")) {
      return List.of(listening);
    }
    List<HostPort> out = new ArrayList<>();
    try {
      for (NetworkInterface nif : Collections.list(NetworkInterface.getNetworkInterfaces())) {
        if (!nif.isUp() || nif.isLoopback()) {
          continue;
        }
        for (InetAddress a : Collections.list(nif.getInetAddresses())) {
          if (a instanceof Inet4Address || (a instanceof Inet6Address && !a.isLinkLocalAddress())) {
            out.add(new HostPort(a.getHostAddress().replaceAll("%.*$", ""), listening.port()));
          }
        }
      }
    } catch (SocketException e) {
      LOG.warn("cannot list the network interfaces: {}", e.getMessage());
    }
    return out;
  }

  /** Peers named in the configuration are trusted as {@link #add} would (unless revoked). */
  private void trustConfiguredPeers() {
    for (NodeId peer : config.staticPeers().keySet()) {
      try {
        Optional<NodeStatus> status = root.nodeStatus(peer);
        if (status.isEmpty() && !peer.equals(me)) {
          root.setNodeStatus(peer, NodeStatus.ACTIVE);
        } else if (status.orElse(null) == NodeStatus.REVOKED) {
          LOG.warn("{} is configured as a static peer but revoked: not dialed", peer);
        }
      } catch (KvException e) {
        LOG.warn("cannot trust the configured peer {}: {}", peer, e.getMessage());
      }
    }
  }

  /** Writes this node's name and addresses to the root store where they changed. */
  private void announceSelf() {
    try {
      if (!root.nodeName(me).orElse("").equals(config.name())) {
        root.setNodeName(me, config.name());
      }
      List<String> addrs = advertised.stream().map(HostPort::toString).toList();
      if (!root.nodeAddrs(me).equals(addrs)) {
        root.setNodeAddrs(me, addrs);
      }
    } catch (KvException e) {
      LOG.warn("cannot record this node's name and addresses: {}", e.getMessage());
    }
  }

  private void found(NodeId node, HostPort at) {
    if (node.equals(me)) {
      return;
    }
    if (addresses.found(node, at)) {
      LOG.info("found {} at {} on the local network", node, at);
      dialer.wake(node);
    }
  }

  /**
   * Fetches blobs from the connected peers: every blob returned was verified against its ref (see
   * {@link org.latticefs.mesh.blob.PeerFetcher}). It stores nothing; the caller keeps what it
   * wants.
   */
  public org.latticefs.cas.BlobFetcher fetcher() {
    return blobs.fetcher();
  }

  /**
   * Asks peers which blobs they hold and keep now, and answers theirs once given a scope (see
   * {@link KeepExchange}).
   */
  public KeepExchange keeps() {
    return keeps;
  }

  /**
   * Calls {@code listener} with a peer's id each time a connection with it comes up (on a network
   * thread: it must return at once), e.g. to retry fetches that found no source.
   */
  public void onPeerUp(java.util.function.Consumer<NodeId> listener) {
    peers.onUp(listener);
  }

  /** What the blob exchange did since this mesh started. */
  public FetchStats blobStats() {
    return blobs.stats();
  }

  /** How many times this node dialed {@code peer} since it started (for status and tests). */
  public int dialAttempts(NodeId peer) {
    return dialer.attempts(peer);
  }

  /** Where this node listens, if it does. */
  public Optional<HostPort> listening() {
    return Optional.ofNullable(listening);
  }

  /** Why this node does not listen although asked to (the address was in use), if so. */
  public Optional<String> listenProblem() {
    return Optional.ofNullable(listenProblem);
  }

  /** This node's id. */
  public NodeId nodeId() {
    return me;
  }

  /**
   * Makes an invite valid for {@code ttl} (null: the configured default): a line to give the
   * joining node's user, naming this node, its addresses and a one-time secret.
   *
   * @throws MeshException if this node has no address to put in it (it does not listen)
   */
  public InviteLine invite(Duration ttl) throws MeshException {
    if (listening == null && config.announce().isEmpty()) {
      throw new MeshException(
          (listenProblem != null
                  ? "this node cannot listen for peers (" + listenProblem + ")"
                  : "this node does not listen for peers (mesh.listen=off)")
              + ", so an invite could not reach it; fix mesh.listen, or join the other node with"
              + " an invite from it",
          false);
    }
    List<HostPort> addrs = advertised.isEmpty() ? List.of(listening) : advertised;
    try {
      Invites.NewInvite i = invites.create(ttl == null ? config.inviteTtl() : ttl);
      return new InviteLine(me, i.secret(), i.expires(), addrs);
    } catch (IOException e) {
      throw new MeshException("cannot record the invite: " + e.getMessage(), false, e);
    }
  }

  /** What a join did: the node joined, its name, the address that answered. */
  public record Joined(NodeId node, String name, HostPort via) {}

  /**
   * Joins the node that made {@code line}: dials its addresses in turn until one answers, proves
   * both keys, presents the secret, and makes that node active here. Sync starts at once.
   *
   * @throws MeshException if the invite is refused (used, expired, unknown: not retryable), or no
   *     address answered within {@code timeout} (retryable)
   */
  public Joined join(InviteLine line, Duration timeout) throws MeshException {
    if (line.node().equals(me)) {
      throw new MeshException(
          "this is an invite of this node itself; run 'peer join' on the other node", false);
    }
    try {
      if (root.nodeStatus(line.node()).orElse(null) == NodeStatus.REVOKED) {
        throw new MeshException(
            line.node() + " is revoked here; a revoked key is not joined again", false);
      }
    } catch (KvException e) {
      throw new MeshException("cannot read the root store: " + e.getMessage(), false, e);
    }
    if (line.addrs().isEmpty()) {
      throw new MeshException("the invite has no address to dial", false);
    }
    byte[] secret = line.secret().getBytes(StandardCharsets.US_ASCII);
    List<String> errors = new ArrayList<>();
    for (HostPort at : line.addrs()) {
      try {
        Session s =
            transport.dial(line.node(), at, secret).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.warn("joined {} ({}) at {}", line.node(), s.peerHello().name(), at);
        dialer.wake(line.node());
        return new Joined(line.node(), s.peerHello().name(), at);
      } catch (ExecutionException e) {
        if (e.getCause() instanceof MeshException m && !m.retryable()) {
          throw m;
        }
        errors.add(at + ": " + e.getCause().getMessage());
      } catch (TimeoutException e) {
        errors.add(at + ": no answer within " + timeout.toSeconds() + " s");
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new MeshException("interrupted while joining", true, e);
      }
    }
    throw new MeshException(
        "cannot reach "
            + line.node()
            + " at any address of the invite ("
            + String.join("; ", errors)
            + ")",
        true);
  }

  /**
   * Trusts {@code node} (makes it active in the root store, as the admin typed its key) and dials
   * it at {@code at} from now on, besides what the root store and discovery say.
   *
   * @throws MeshException if {@code node} is this node or revoked
   */
  public void add(NodeId node, HostPort at) throws MeshException {
    Trust.add(root, staticPeers, me, node, at);
    dialer.wake(node);
  }

  /**
   * Revokes {@code node}: {@code revoked} in the root store (which spreads to every peer), its
   * connection cut at once, its later entries refused by every store.
   *
   * @return whether it was known here (active or revoked already)
   * @throws MeshException if {@code node} is this node
   */
  public boolean revoke(NodeId node) throws MeshException {
    boolean known = Trust.revoke(root, staticPeers, me, node);
    peers
        .session(node)
        .ifPresent(
            s -> {
              s.close(ErrorCode.REVOKED, me + " revoked " + node);
              var closed = s.abort();
              if (closed != null) {
                closed.awaitUninterruptibly(5, TimeUnit.SECONDS);
              }
            });
    LOG.warn("revoked {}", node);
    return known;
  }

  /** Every node this one knows of but itself: trust, name, connection, lag per store. */
  public List<PeerStatus> peers() throws MeshException {
    List<NodeInfo> nodes;
    try {
      nodes = root.nodes();
    } catch (KvException e) {
      throw new MeshException("cannot read the root store: " + e.getMessage(), false, e);
    }
    Map<UUID, String> names = hub.storeNames();
    List<PeerStatus> out = new ArrayList<>();
    for (NodeInfo n : nodes) {
      if (n.id().equals(me)) {
        continue;
      }
      Optional<Session> s = peers.session(n.id());
      List<PeerStatus.StoreLag> lags = new ArrayList<>();
      if (s.isPresent()) {
        hub.lag(s.get())
            .forEach(
                (id, lag) ->
                    lags.add(
                        new PeerStatus.StoreLag(
                            id.toString(), names.getOrDefault(id, "?"), lag[0], lag[1])));
        lags.sort(java.util.Comparator.comparing(PeerStatus.StoreLag::storeName));
      }
      out.add(
          new PeerStatus(
              n.id(),
              n.name(),
              n.status().map(NodeStatus::text).orElse("unknown"),
              addresses.of(n.id()).stream().map(HostPort::toString).toList(),
              s.isPresent(),
              s.flatMap(Session::remoteAddress).map(HostPort::toString),
              peers.lastSeen(n.id()),
              s.map(Session::rttNanos).filter(r -> r >= 0).map(r -> r / 1e6),
              lags));
    }
    return out;
  }

  /** What the dialer needs, from the root store and the live sessions. */
  private final class DialTarget implements Dialer.Target {
    @Override
    public Set<NodeId> peers() {
      Set<NodeId> out = new HashSet<>();
      try {
        for (NodeInfo n : root.nodes()) {
          if (!n.id().equals(me) && n.status().orElse(null) == NodeStatus.ACTIVE) {
            out.add(n.id());
          }
        }
      } catch (KvException e) {
        LOG.warn("cannot read the peers: {}", e.getMessage());
      }
      return out;
    }

    @Override
    public List<HostPort> addresses(NodeId peer) {
      return addresses.of(peer);
    }

    @Override
    public boolean connected(NodeId peer) {
      return peers.session(peer).isPresent();
    }

    @Override
    public java.util.concurrent.CompletableFuture<?> dial(NodeId peer, HostPort at) {
      if (closed) {
        return java.util.concurrent.CompletableFuture.failedFuture(
            new MeshException("closed", false));
      }
      return transport.dial(peer, at, new byte[0]);
    }
  }

  /**
   * Stops: no more dialing or listening, every connection closed (peers are told), sync tasks
   * finished or dropped before a store call, threads stopped. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    peers.closing();
    dialer.close();
    discovery.close();
    transport.stopListening();
    for (Session s : peers.sessions()) {
      s.close(ErrorCode.SHUTDOWN, "the node is shutting down");
    }
    hub.close();
    blobs.close();
    keeps.close();
    pool.shutdown();
    try {
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        LOG.warn("mesh tasks did not finish within 30 s");
        pool.shutdownNow();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      pool.shutdownNow();
    }
    transport.close();
    timer.shutdownNow();
    LOG.info("mesh of {} stopped", me);
  }
}
