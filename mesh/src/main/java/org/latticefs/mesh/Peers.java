package org.latticefs.mesh;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.mesh.blob.BlobExchange;
import org.latticefs.mesh.keep.KeepExchange;
import org.latticefs.mesh.net.Admission;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.net.SessionHost;
import org.latticefs.mesh.peer.Invites;
import org.latticefs.mesh.sync.Healer;
import org.latticefs.mesh.sync.SyncHub;
import org.latticefs.mesh.wire.ErrorCode;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest guard and the live sessions: who may connect (a key {@code active} in the root store,
 * or one bringing a valid invite), one session per peer, and the check of every message against the
 * active set. Sessions that come up are handed to the {@link SyncHub}.
 *
 * <h2>One session per peer</h2>
 *
 * When two nodes dial each other at once, both connections come up; each side keeps the one dialed
 * by the node with the smaller id (the same on both sides) and closes the other. A newer connection
 * from the same dialer replaces an older one (a peer that came back before its old connection timed
 * out).
 *
 * <p>Thread-safe.
 */
final class Peers implements SessionHost {
  private static final Logger LOG = LoggerFactory.getLogger(Peers.class);

  private final NodeId me;
  private final RootStore root;
  private final Invites invites;
  private final SyncHub hub;
  private final BlobExchange blobs;
  private final KeepExchange keeps;
  private final Healer healer;
  private final Executor pool;
  private final Supplier<Message.Hello> hello;
  private final Map<NodeId, Session> byPeer = new ConcurrentHashMap<>();
  private final Map<NodeId, Long> lastSeen = new ConcurrentHashMap<>();
  private final List<Consumer<NodeId>> onDown = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<Consumer<NodeId>> onUp = new java.util.concurrent.CopyOnWriteArrayList<>();
  private volatile boolean closing;

  Peers(
      NodeId me,
      RootStore root,
      Invites invites,
      SyncHub hub,
      BlobExchange blobs,
      KeepExchange keeps,
      Healer healer,
      Executor pool,
      Supplier<Message.Hello> hello) {
    this.me = me;
    this.root = root;
    this.invites = invites;
    this.hub = hub;
    this.blobs = blobs;
    this.keeps = keeps;
    this.healer = healer;
    this.pool = pool;
    this.hello = hello;
  }

  @Override
  public NodeId me() {
    return me;
  }

  @Override
  public Message.Hello hello() {
    return hello.get();
  }

  @Override
  public CompletionStage<Admission> admitInbound(NodeId peer, Message.Hello hello) {
    return CompletableFuture.supplyAsync(() -> decideInbound(peer, hello), pool);
  }

  private Admission decideInbound(NodeId peer, Message.Hello hello) {
    if (closing) {
      return new Admission.Refused(ErrorCode.SHUTDOWN, "the node is shutting down");
    }
    if (peer.equals(me)) {
      return new Admission.Refused(ErrorCode.PROTOCOL, "a node does not connect to itself");
    }
    try {
      Optional<NodeStatus> status = root.nodeStatus(peer);
      if (status.orElse(null) == NodeStatus.REVOKED) {
        return new Admission.Refused(
            ErrorCode.REVOKED, me + " revoked " + peer + "; a revoked key is not admitted again");
      }
      byte[] invite = hello.invite();
      if (status.orElse(null) == NodeStatus.ACTIVE) {
        return Admission.ADMITTED;
      }
      if (invite.length == 0) {
        return new Admission.Refused(
            ErrorCode.NOT_A_MEMBER,
            me
                + " does not know "
                + peer
                + ": join with an invite from a member ('peer invite' there, 'peer join' here)");
      }
      Invites.Redemption r = invites.redeem(new String(invite, StandardCharsets.US_ASCII), peer);
      if (r instanceof Invites.Refused refused) {
        return new Admission.Refused(ErrorCode.INVITE, refused.reason());
      }
      root.setNodeStatus(peer, NodeStatus.ACTIVE);
      remember(peer, hello);
      LOG.warn("{} ({}) joined with an invite", peer, hello.name());
      return Admission.ADMITTED;
    } catch (IOException e) {
      LOG.error("cannot decide on {}", peer, e);
      return new Admission.Refused(
          ErrorCode.INTERNAL, "this node cannot read or write its root store");
    }
  }

  /** Writes what {@code peer} said about itself, where it differs from the root store. */
  private void remember(NodeId peer, Message.Hello hello) throws KvException {
    if (!root.nodeName(peer).orElse("").equals(hello.name()) && !hello.name().isEmpty()) {
      root.setNodeName(peer, hello.name());
    }
    List<String> addrs = new ArrayList<>();
    for (String a : hello.addrs()) {
      try {
        addrs.add(HostPort.parse(a).toString());
      } catch (IllegalArgumentException bad) {
        LOG.debug("{} announced a malformed address '{}'", peer, a);
      }
    }
    if (!addrs.isEmpty() && !root.nodeAddrs(peer).equals(addrs)) {
      root.setNodeAddrs(peer, addrs);
    }
  }

  @Override
  public CompletionStage<Admission> admitOutbound(
      NodeId peer, Message.Hello hello, boolean joining) {
    return CompletableFuture.supplyAsync(
        () -> {
          if (closing) {
            return new Admission.Refused(ErrorCode.SHUTDOWN, "the node is shutting down");
          }
          try {
            Optional<NodeStatus> status = root.nodeStatus(peer);
            if (status.orElse(null) == NodeStatus.REVOKED) {
              return new Admission.Refused(ErrorCode.REVOKED, me + " revoked " + peer);
            }
            if (joining) {
              if (status.isEmpty()) {
                root.setNodeStatus(peer, NodeStatus.ACTIVE);
              }
              if (root.nodeName(peer).isEmpty()) {
                remember(peer, hello);
              }
              return Admission.ADMITTED;
            }
            return status.orElse(null) == NodeStatus.ACTIVE
                ? Admission.ADMITTED
                : new Admission.Refused(ErrorCode.NOT_A_MEMBER, me + " does not trust " + peer);
          } catch (KvException e) {
            LOG.error("cannot decide on {}", peer, e);
            return new Admission.Refused(ErrorCode.INTERNAL, "cannot read or write the root store");
          }
        },
        pool);
  }

  @Override
  public boolean stillActive(NodeId peer) {
    try {
      return root.isActive(peer);
    } catch (KvException e) {
      LOG.error("cannot read the status of {}", peer, e);
      return false;
    }
  }

  @Override
  public void up(Session s) {
    NodeId peer = s.peer();
    Session loser = null;
    synchronized (this) {
      Session old = byPeer.get(peer);
      if (old != null && old.isOpen()) {
        NodeId oldDialer = old.isInbound() ? peer : me;
        NodeId newDialer = s.isInbound() ? peer : me;
        boolean keepOld = !oldDialer.equals(newDialer) && oldDialer.compareTo(newDialer) < 0;
        loser = keepOld ? s : old;
      }
      if (loser != s) {
        byPeer.put(peer, s);
      }
    }
    if (loser != null) {
      LOG.debug("two connections with {}: closing {}", peer, loser);
      loser.close(ErrorCode.DUPLICATE, "another connection with this node is kept");
      if (loser == s) {
        return;
      }
      hub.down(loser);
      healer.down(loser);
      blobs.down(loser);
      keeps.down(loser);
    }
    LOG.info("connected to {} ({})", s.describe(), s.peerHello().name());
    hub.up(s);
    healer.up(s);
    blobs.up(s);
    keeps.up(s);
    for (Consumer<NodeId> c : onUp) {
      c.accept(peer);
    }
  }

  @Override
  public void received(Session s, Message m) {
    if (BlobExchange.handles(m)) {
      blobs.received(s, m);
      return;
    }
    if (KeepExchange.handles(m)) {
      keeps.received(s, m);
      return;
    }
    if (Healer.handles(m)) {
      healer.received(s, m);
      return;
    }
    hub.received(s, m);
  }

  @Override
  public void writabilityChanged(Session s) {
    hub.writable(s);
    blobs.writable(s);
  }

  @Override
  public void down(Session s) {
    NodeId peer = s.peer();
    if (peer == null) {
      return;
    }
    if (s.lastReceivedMillis() > 0) {
      lastSeen.merge(peer, s.lastReceivedMillis(), Math::max);
    }
    boolean wasCurrent = byPeer.remove(peer, s);
    hub.down(s);
    healer.down(s);
    blobs.down(s);
    keeps.down(s);
    if (wasCurrent) {
      for (Consumer<NodeId> c : onDown) {
        c.accept(peer);
      }
    }
  }

  /** Calls {@code listener} when the current session with a peer closes. */
  void onDown(Consumer<NodeId> listener) {
    onDown.add(listener);
  }

  /** Calls {@code listener} (on the session's event loop: it must be quick) when a peer is up. */
  void onUp(Consumer<NodeId> listener) {
    onUp.add(listener);
  }

  /** The session with {@code peer}, if connected. */
  Optional<Session> session(NodeId peer) {
    Session s = byPeer.get(peer);
    return s != null && s.isOpen() ? Optional.of(s) : Optional.empty();
  }

  /** Every current session. */
  List<Session> sessions() {
    return List.copyOf(byPeer.values());
  }

  /** When {@code peer} last sent anything (epoch millis), if ever since this node started. */
  Optional<Long> lastSeen(NodeId peer) {
    Session s = byPeer.get(peer);
    long live = s == null ? 0 : s.lastReceivedMillis();
    long past = lastSeen.getOrDefault(peer, 0L);
    long t = Math.max(live, past);
    return t == 0 ? Optional.empty() : Optional.of(t);
  }

  /** Closes the sessions of peers that are no longer active (after the root store changed). */
  void cutInactive() {
    for (Session s : sessions()) {
      if (!stillActive(s.peer())) {
        LOG.warn("{} is no longer active: closing its connection", s.describe());
        s.close(ErrorCode.REVOKED, me + " no longer counts " + s.peer() + " as an active member");
        s.abort();
      }
    }
  }

  /** Refuses new sessions from now on. */
  void closing() {
    closing = true;
  }
}
