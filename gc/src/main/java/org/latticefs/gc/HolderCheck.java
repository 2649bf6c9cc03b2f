package org.latticefs.gc;

import java.io.IOException;
import java.util.Collection;
import java.util.Set;
import org.latticefs.cas.BlobRef;

/**
 * Asks another node, now, which of some blobs it holds and will keep (they are in a store that node
 * keeps {@code full}, or under a pin there): what cache eviction confirms before it drops a copy,
 * never trusting the root store's presence alone (it may be stale). The mesh answers it (node wires
 * it); {@link #none()} answers nothing, so nothing referenced is ever evicted.
 *
 * <p>Safe for concurrent use. A node that cannot be reached, or any failure, confirms nothing: the
 * implementation throws (or returns an empty set), and the caller counts no copy there.
 */
public interface HolderCheck {
  /**
   * The refs of {@code refs} that {@code node} (a node id's text form) holds and keeps now.
   *
   * @throws IOException if {@code node} cannot say now (not reachable, no answer in time)
   */
  Set<BlobRef> keptBy(String node, Collection<BlobRef> refs) throws IOException;

  /** No other node answers: nothing is confirmed. */
  static HolderCheck none() {
    return (node, refs) -> Set.of();
  }
}
