package org.latticefs.kv.sync;

import java.util.UUID;
import org.latticefs.kv.KvException;

/**
 * The replicas of one node's stores, by store id: what the mesh opens to sync a store. The store
 * list itself is the root store's ({@link org.latticefs.kv.Stores#listStores}).
 */
public interface Replicas {
  /**
   * The replica of store {@code id} ({@link org.latticefs.kv.Stores#ROOT_ID} for the root store),
   * opening it if needed; the same store {@link org.latticefs.kv.Stores#open} returns.
   *
   * @throws KvException if no such store is declared, or it cannot be opened (a damaged store:
   *     {@link org.latticefs.kv.DamagedStoreException})
   */
  Replica replica(UUID id) throws KvException;
}
