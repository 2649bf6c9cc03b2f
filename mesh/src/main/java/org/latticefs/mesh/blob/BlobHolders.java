package org.latticefs.mesh.blob;

import java.util.Set;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;

/**
 * Which nodes presence says hold a blob: the peers {@link PeerFetcher} asks first.
 *
 * <p>A hint, not a promise: the set may name this node, peers not connected, or peers that have
 * since dropped the blob; it is empty when nothing is known. Implementations answer quickly (the
 * fetcher asks once per fetch), never throw (a lookup that fails answers empty) and are safe for
 * concurrent use.
 */
@FunctionalInterface
public interface BlobHolders {
  /** The nodes said to hold {@code ref}; empty when none is known. */
  Set<NodeId> holders(BlobRef ref);

  /** Knows no holder: every connected peer is asked alike. */
  static BlobHolders none() {
    return ref -> Set.of();
  }
}
