package org.latticefs.mesh;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.RootStore;
import org.latticefs.mesh.peer.StaticPeers;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every address a peer may be reached at, from its three sources: static peers (configured, and
 * added with {@code peer add}), the addresses a node announces in the root store, and those found
 * on the local network. Discovery only ever adds addresses; trust comes from the root store.
 *
 * <p>Thread-safe.
 */
final class PeerAddresses {
  private static final Logger LOG = LoggerFactory.getLogger(PeerAddresses.class);

  private final Map<NodeId, List<HostPort>> configured;
  private final StaticPeers staticPeers;
  private final RootStore root;
  private final Map<NodeId, Set<HostPort>> discovered = new ConcurrentHashMap<>();

  PeerAddresses(Map<NodeId, List<HostPort>> configured, StaticPeers staticPeers, RootStore root) {
    this.configured = configured;
    this.staticPeers = staticPeers;
    this.root = root;
  }

  /** Records that {@code node} was found at {@code at}; whether that address is new. */
  boolean found(NodeId node, HostPort at) {
    return discovered.computeIfAbsent(node, k -> ConcurrentHashMap.newKeySet()).add(at);
  }

  /** Every address {@code peer} may be reached at: static ones, the root store's, discovered. */
  List<HostPort> of(NodeId peer) {
    Set<HostPort> out = new LinkedHashSet<>(configured.getOrDefault(peer, List.of()));
    try {
      out.addAll(staticPeers.all().getOrDefault(peer, List.of()));
    } catch (IOException e) {
      LOG.warn("cannot read the static peers: {}", e.getMessage());
    }
    try {
      for (String a : root.nodeAddrs(peer)) {
        try {
          out.add(HostPort.parse(a));
        } catch (IllegalArgumentException bad) {
          LOG.debug("ignoring the malformed address '{}' of {}", a, peer);
        }
      }
    } catch (KvException e) {
      LOG.warn("cannot read the addresses of {}: {}", peer, e.getMessage());
    }
    out.addAll(discovered.getOrDefault(peer, Set.of()));
    return new ArrayList<>(out);
  }
}
