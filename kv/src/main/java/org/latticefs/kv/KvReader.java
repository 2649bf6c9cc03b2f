package org.latticefs.kv;

import java.util.List;
import java.util.Optional;

/** Read access to a store's materialized state. Safe for concurrent use; never blocks writers. */
public interface KvReader {
  /** The deterministic LWW winner for {@code key}; empty if absent or the winner is a deletion. */
  Optional<byte[]> get(String key) throws KvException;

  /**
   * Every concurrent head of {@code key}, winner first, then the losers in descending (HLC, author)
   * order. Empty if the key was never written. Deletions are included as heads.
   */
  List<Head> heads(String key) throws KvException;

  /**
   * Live keys (winner not a deletion) starting with {@code prefix} and strictly greater than {@code
   * afterKey} (null: from the start), in ascending key order, at most {@code limit}.
   */
  List<KeyValue> list(String prefix, String afterKey, int limit) throws KvException;
}
