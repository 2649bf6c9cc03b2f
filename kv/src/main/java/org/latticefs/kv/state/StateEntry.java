package org.latticefs.kv.state;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Applyable;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/**
 * What the state needs of one validated log entry.
 *
 * @param author the entry's author
 * @param seq its position in the author's chain (1-based)
 * @param hash the entry's hash, which names its heads
 * @param hlc its timestamp
 * @param parents per key, the heads this entry supersedes
 * @param ops its operations, applied in order
 */
public record StateEntry(
    NodeId author,
    long seq,
    BlobRef hash,
    Hlc hlc,
    Map<String, Set<BlobRef>> parents,
    List<? extends Applyable> ops) {
  public StateEntry {
    parents = Map.copyOf(parents);
    ops = List.copyOf(ops);
  }

  /** The heads this entry supersedes on {@code key} (empty if none listed). */
  public Set<BlobRef> parentsOf(String key) {
    return parents.getOrDefault(key, Set.of());
  }
}
