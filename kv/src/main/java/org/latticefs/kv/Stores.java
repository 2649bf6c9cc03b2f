package org.latticefs.kv;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The stores of one node's data directory: the root store (control plane) and every app store it
 * declares under {@code /stores/{uuid}/}.
 */
public interface Stores extends AutoCloseable {
  /** This node's identity. */
  NodeId nodeId();

  /** The root store. */
  Store root();

  /** Stores declared in the root store, by name. */
  List<StoreInfo> listStores() throws KvException;

  /** Declares a new store; names are unique among live stores. */
  StoreInfo createStore(String name) throws KvException;

  /** Removes the store's declaration; its logs are kept until collected. */
  void deleteStore(UUID id) throws KvException;

  /** Finds a store by name or by UUID text. */
  Optional<StoreInfo> findStore(String nameOrUuid) throws KvException;

  /** Opens (or returns the already open) store. The returned store is closed by {@link #close}. */
  Store open(UUID id) throws KvException;

  @Override
  void close() throws KvException;

  /** A declared store. */
  record StoreInfo(UUID id, String name, long createdAtMillis) {}
}
