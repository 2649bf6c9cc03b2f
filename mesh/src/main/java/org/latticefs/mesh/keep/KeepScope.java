package org.latticefs.mesh.keep;

import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;

/**
 * Decides which blobs this node holds and keeps now (see the package doc), to answer a peer's
 * query. The composition root implements it over the local store, the store modes and the pins.
 *
 * <p>Called on the exchange's one answering thread, one query at a time; it may read the disk.
 */
@FunctionalInterface
public interface KeepScope {
  /**
   * The refs of {@code refs} this node holds and keeps now (a subset of them).
   *
   * @throws IOException if that cannot be decided now; the peer is answered "undecided"
   */
  Set<BlobRef> kept(NodeId peer, List<BlobRef> refs) throws IOException;
}
