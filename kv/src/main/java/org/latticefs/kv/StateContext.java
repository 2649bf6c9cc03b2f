package org.latticefs.kv;

import java.util.List;
import java.util.Optional;

/**
 * The state as seen by the operations of one entry while it is applied: reads see the writes of
 * earlier operations of the same entry (and of earlier entries of the same batch); everything
 * commits atomically.
 *
 * <p>Writes are attributed to the entry being applied: the first write to a key removes from the
 * key's heads exactly the heads the entry lists as its parents for that key, then every write sets
 * the entry's own head on the key. Not thread-safe; valid only during {@link Applyable#applyTo}.
 */
public interface StateContext {
  /** The LWW winner of {@code key}; empty if absent or the winner is a deletion. */
  Optional<byte[]> get(String key) throws KvException;

  /** All heads of {@code key}, winner first. */
  List<Head> heads(String key) throws KvException;

  /** Sets this entry's head on {@code key} to {@code value}. */
  void put(String key, byte[] value) throws KvException;

  /** Sets this entry's head on {@code key} to a tombstone. */
  void delete(String key) throws KvException;
}
