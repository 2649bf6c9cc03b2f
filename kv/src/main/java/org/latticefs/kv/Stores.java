package org.latticefs.kv;

import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * The stores of one node: the root store (control plane) and every app store it declares under
 * {@code /stores/{uuid}/}, on disk ({@code DiskStores}) or in memory ({@code MemoryStores}).
 */
public interface Stores extends AutoCloseable {
  /** The root store's id: fixed, the same on every node (the nil UUID). */
  UUID ROOT_ID = new UUID(0, 0);

  /** This node's identity. */
  NodeId nodeId();

  /** The root store. */
  Store root();

  /** Stores declared in the root store, by name. */
  List<StoreInfo> listStores() throws KvException;

  /**
   * Declares a new store; names are unique among live stores and valid ({@link #invalidName}).
   *
   * @throws KvException naming the problem if the name is invalid or taken
   */
  StoreInfo createStore(String name) throws KvException;

  /** Removes the store's declaration; its logs are kept until collected. */
  void deleteStore(UUID id) throws KvException;

  /** Finds a store by name or by UUID text. */
  Optional<StoreInfo> findStore(String nameOrUuid) throws KvException;

  /**
   * Opens (or returns the already open) store; {@link #ROOT_ID} gives the root store. The returned
   * store is closed by {@link #close}.
   *
   * @throws DamagedStoreException if the store's files are damaged: it stays closed (and listed by
   *     {@link #damaged}), the rest of the node works
   * @throws KvException if no such store is declared, or on I/O failure
   */
  Store open(UUID id) throws KvException;

  /**
   * The stores found damaged so far (by {@link #open}), in the order found. A store is checked when
   * it is first opened; a damaged one is not retried until these stores are closed and opened
   * again.
   */
  List<StoreDamage> damaged();

  @Override
  void close() throws KvException;

  /**
   * Why {@code name} cannot name a store, or null if it can. A store is a folder of the mount, so
   * its name is a file name (a byte string held as {@link KeyBytes} holds keys): not empty, not
   * {@code .} or {@code ..}, no {@code /}, no NUL, no control character (a line break would break
   * every listing that prints one store per line), canonical, at most 255 bytes.
   */
  static String invalidName(String name) {
    if (name == null || name.isEmpty()) {
      return "a store name is not empty";
    }
    if (name.equals(".") || name.equals("..")) {
      return "'.' and '..' are reserved";
    }
    if (name.indexOf('/') >= 0 || name.indexOf('\0') >= 0) {
      return "a store name has no '/' and no NUL";
    }
    for (int i = 0; i < name.length(); i++) {
      if (Character.isISOControl(name.charAt(i))) {
        return String.format(
            "a store name has no control characters (U+%04X at index %d)", (int) name.charAt(i), i);
      }
    }
    String why = KeyBytes.invalidReason(name);
    if (why != null) {
      return "a store name is a canonical byte string (" + why + ")";
    }
    if (KeyBytes.encodedLength(name) > 255) {
      return "a store name is at most 255 bytes";
    }
    return null;
  }

  /**
   * A declared store.
   *
   * @param name its name: the folder name, bytes as {@link KeyBytes} holds them
   */
  record StoreInfo(UUID id, String name, long createdAtMillis) {}
}
