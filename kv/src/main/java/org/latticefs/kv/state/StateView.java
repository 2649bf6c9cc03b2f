package org.latticefs.kv.state;

import java.util.List;
import java.util.Map;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Store;

/** A consistent, read-only view of a state. Not thread-safe; the caller closes it. */
public interface StateView extends Store.Snapshot {
  /** Per author, the last applied entry. */
  Map<NodeId, AppliedTip> tips() throws KvException;

  /**
   * Visits every key starting with {@code prefix} that has heads (live or not), in ascending key
   * order ({@link org.latticefs.kv.KeyBytes#ORDER}: by their bytes), until the visitor returns
   * false.
   */
  void scan(String prefix, HeadsVisitor visitor) throws KvException;

  /** The digest of this view (see the package doc). */
  BlobRef digest() throws KvException;

  /** Receives one key's heads, winner first. */
  @FunctionalInterface
  interface HeadsVisitor {
    /** Returns false to stop the scan. */
    boolean visit(String key, List<Head> heads) throws KvException;
  }
}
