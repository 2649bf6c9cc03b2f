package org.latticefs.gc;

import java.io.IOException;
import org.latticefs.cas.BlobRef;

/**
 * Asks another node, now, whether it holds a blob and will keep it (it is in a store that node
 * keeps {@code full}, or under a pin there): what cache eviction confirms before it drops a copy,
 * never trusting the root store's presence alone (it may be stale). The mesh implements it; until
 * then nothing answers yes, so nothing referenced is ever evicted.
 *
 * <p>Safe for concurrent use. A node that cannot be reached, or any failure, counts as "no".
 */
public interface HolderCheck {
  /** Whether {@code node} (a node id's text form) holds {@code ref} now and keeps it. */
  boolean holdsAndKeeps(String node, BlobRef ref) throws IOException;

  /** No other node answers: nothing is confirmed. */
  static HolderCheck none() {
    return (node, ref) -> false;
  }
}
