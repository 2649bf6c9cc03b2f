package org.latticefs.mesh.peer;

import java.io.IOException;
import java.util.Optional;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.MeshException;

/**
 * The two ways an admin changes whom a node trusts without an invite, with or without a running
 * mesh: {@link #add} (the admin typed the peer's key) and {@link #revoke}. Both write the root
 * store, so every peer learns them.
 */
public final class Trust {
  private Trust() {}

  /**
   * Makes {@code node} active (unless it already is) and records {@code at} as a static address.
   *
   * @throws MeshException if {@code node} is {@code me} or revoked (a revoked key stays revoked)
   */
  public static void add(RootStore root, StaticPeers statics, NodeId me, NodeId node, HostPort at)
      throws MeshException {
    if (node.equals(me)) {
      throw new MeshException("that is this node's own id", false);
    }
    try {
      Optional<NodeStatus> status = root.nodeStatus(node);
      if (status.orElse(null) == NodeStatus.REVOKED) {
        throw new MeshException(node + " is revoked; a revoked key is not trusted again", false);
      }
      if (status.isEmpty()) {
        root.setNodeStatus(node, NodeStatus.ACTIVE);
      }
      statics.add(node, at);
    } catch (IOException e) {
      throw new MeshException("cannot add " + node + ": " + e.getMessage(), false, e);
    }
  }

  /**
   * Marks {@code node} revoked and forgets its static addresses; returns whether it was known.
   *
   * @throws MeshException if {@code node} is {@code me}
   */
  public static boolean revoke(RootStore root, StaticPeers statics, NodeId me, NodeId node)
      throws MeshException {
    if (node.equals(me)) {
      throw new MeshException("a node does not revoke itself; revoke it from another node", false);
    }
    try {
      boolean known = root.nodeStatus(node).isPresent();
      root.setNodeStatus(node, NodeStatus.REVOKED);
      statics.remove(node);
      return known;
    } catch (IOException e) {
      throw new MeshException("cannot revoke " + node + ": " + e.getMessage(), false, e);
    }
  }
}
