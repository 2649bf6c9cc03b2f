package org.latticefs.mesh;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.sync.SyncLimits;

/**
 * How a node meets its peers.
 *
 * @param listen where to accept peers, or null for nowhere (this node only dials)
 * @param announce the addresses peers should dial (written to the root store as this node's {@code
 *     addrs}); empty: the listen address, or every non-loopback interface's address when listening
 *     on all interfaces. Set it behind a port forward (the router's public address and port).
 * @param name this node's display name
 * @param staticPeers addresses to dial for these nodes, besides the root store's and mDNS's
 * @param mdns whether to announce this node and find trusted peers on the LAN by mDNS
 * @param stateDir where the mesh keeps its own files (invites, static peers)
 * @param limits log sync pacing
 * @param backoffBase first reconnect delay after a peer went away
 * @param backoffMax the longest delay between two attempts to reach a peer
 * @param inviteTtl how long a new invite is valid unless the caller says otherwise
 */
public record MeshConfig(
    HostPort listen,
    List<HostPort> announce,
    String name,
    Map<NodeId, List<HostPort>> staticPeers,
    boolean mdns,
    Path stateDir,
    SyncLimits limits,
    Duration backoffBase,
    Duration backoffMax,
    Duration inviteTtl) {
  /** The default listen address: every interface, port 4710. */
  public static final HostPort DEFAULT_LISTEN = new HostPort("0.0.0.0", HostPort.DEFAULT_PORT);

  public MeshConfig {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(stateDir, "stateDir");
    announce = List.copyOf(announce);
    staticPeers = Map.copyOf(staticPeers);
    if (name.isEmpty() || name.length() > 255 || name.contains("\n")) {
      throw new IllegalArgumentException("a node name is 1 to 255 characters on one line");
    }
  }

  /**
   * Defaults for a node whose mesh files live in {@code stateDir}: listen on all interfaces, port
   * 4710; named after the host; mDNS on.
   */
  public static MeshConfig defaults(Path stateDir) {
    return new MeshConfig(
        DEFAULT_LISTEN,
        List.of(),
        hostName(),
        Map.of(),
        true,
        stateDir,
        SyncLimits.defaults(),
        Duration.ofSeconds(1),
        Duration.ofSeconds(30),
        Duration.ofHours(24));
  }

  public MeshConfig withListen(HostPort at) {
    return new MeshConfig(
        at,
        announce,
        name,
        staticPeers,
        mdns,
        stateDir,
        limits,
        backoffBase,
        backoffMax,
        inviteTtl);
  }

  public MeshConfig withName(String n) {
    return new MeshConfig(
        listen,
        announce,
        n,
        staticPeers,
        mdns,
        stateDir,
        limits,
        backoffBase,
        backoffMax,
        inviteTtl);
  }

  public MeshConfig withMdns(boolean on) {
    return new MeshConfig(
        listen,
        announce,
        name,
        staticPeers,
        on,
        stateDir,
        limits,
        backoffBase,
        backoffMax,
        inviteTtl);
  }

  public MeshConfig withAnnounce(List<HostPort> a) {
    return new MeshConfig(
        listen, a, name, staticPeers, mdns, stateDir, limits, backoffBase, backoffMax, inviteTtl);
  }

  public MeshConfig withStaticPeers(Map<NodeId, List<HostPort>> p) {
    return new MeshConfig(
        listen, announce, name, p, mdns, stateDir, limits, backoffBase, backoffMax, inviteTtl);
  }

  public MeshConfig withLimits(SyncLimits l) {
    return new MeshConfig(
        listen, announce, name, staticPeers, mdns, stateDir, l, backoffBase, backoffMax, inviteTtl);
  }

  public MeshConfig withBackoff(Duration base, Duration max) {
    return new MeshConfig(
        listen, announce, name, staticPeers, mdns, stateDir, limits, base, max, inviteTtl);
  }

  private static String hostName() {
    try {
      String h = java.net.InetAddress.getLocalHost().getHostName();
      return h == null || h.isEmpty() ? "lattice" : h;
    } catch (java.net.UnknownHostException e) {
      return "lattice";
    }
  }
}
