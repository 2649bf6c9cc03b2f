package org.latticefs.mesh.blob;

import java.io.IOException;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;

/**
 * Decides which blobs this node serves to a peer: only those reachable from a store the peer may
 * see. The mesh asks it for every request, after the peer was checked as an active member of the
 * mesh (so an implementation does not check that again).
 *
 * <p>Called from the mesh's serving thread, one request at a time; it may block on the disk (a
 * serving turn waits), and it must be safe to call while the stores change.
 */
@FunctionalInterface
public interface ServeScope {
  /**
   * Whether {@code ref} may be sent to {@code peer}.
   *
   * @throws IOException if that cannot be decided now; the request is then answered as failed
   */
  boolean mayServe(NodeId peer, BlobRef ref) throws IOException;

  /** Serves nothing: a node that keeps no blobs for peers (and tests of the log sync). */
  static ServeScope nothing() {
    return (peer, ref) -> false;
  }
}
