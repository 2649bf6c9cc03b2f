package org.latticefs.node;

import java.util.ArrayList;
import java.util.List;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.PeerStatus;

/** How node turns peer arguments and the mesh's peer list into its own rows. */
final class NodePeers {
  private NodePeers() {}

  /** A node id argument, or a {@link NodeException} (exit 2) saying what is wrong. */
  static NodeId parseId(String id) throws NodeException {
    try {
      return NodeId.parse(id == null ? null : id.trim());
    } catch (IllegalArgumentException e) {
      throw new NodeException("not a node id: " + e.getMessage(), 2, e);
    }
  }

  /** A {@code HOST:PORT} argument, or a {@link NodeException} (exit 2). */
  static HostPort parseAddr(String addr) throws NodeException {
    try {
      return HostPort.parse(addr);
    } catch (IllegalArgumentException e) {
      throw new NodeException("not an address: " + e.getMessage(), 2, e);
    }
  }

  static NodeApi.PeerRow row(PeerStatus p) {
    List<NodeApi.LagRow> lags = new ArrayList<>();
    for (PeerStatus.StoreLag l : p.stores()) {
      lags.add(new NodeApi.LagRow(l.storeId(), l.storeName(), l.peerLacks(), l.weLack()));
    }
    return new NodeApi.PeerRow(
        p.id().toString(),
        p.name(),
        p.status(),
        p.addrs(),
        p.connected(),
        p.remote().orElse(null),
        p.lastSeenMillis().orElse(0L),
        p.rttMillis().map(ms -> Math.round(ms * 1000)).orElse(-1L),
        lags);
  }
}
