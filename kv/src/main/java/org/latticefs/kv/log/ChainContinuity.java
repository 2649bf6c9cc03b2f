package org.latticefs.kv.log;

import java.util.List;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/** The rule every {@link ChainLog#append} checks: the entries continue this store's chain. */
final class ChainContinuity {
  private ChainContinuity() {}

  /**
   * Checks that {@code entries} continue the chain of {@code author} in store {@code storeId} whose
   * tip is {@code tip} (null when empty): seq contiguous, each {@code prev} the hash before it.
   *
   * @throws KvException naming {@code log} and the first entry that does not continue it
   */
  static void check(
      String log, UUID storeId, NodeId author, ChainTip tip, List<SignedEntry> entries)
      throws KvException {
    long seq = tip == null ? 0 : tip.seq();
    BlobRef prev = tip == null ? Entry.GENESIS : tip.hash();
    for (SignedEntry s : entries) {
      Entry e = s.entry();
      String problem = null;
      if (!e.storeId().equals(storeId)) {
        problem = "store " + e.storeId() + " is not this log's store " + storeId;
      } else if (!e.author().equals(author)) {
        problem = "author " + e.author() + " is not this log's author " + author;
      } else if (e.seq() != seq + 1) {
        problem = "seq " + e.seq() + " does not follow " + seq;
      } else if (!e.prev().equals(prev)) {
        problem = "prev " + e.prev() + " is not the hash of entry " + seq + " (" + prev + ")";
      }
      if (problem != null) {
        throw new KvException("cannot append to " + log + ": " + problem + "; nothing written");
      }
      seq = e.seq();
      prev = s.hash();
    }
  }
}
