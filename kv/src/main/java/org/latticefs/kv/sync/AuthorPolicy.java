package org.latticefs.kv.sync;

import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;

/**
 * Decides whether entries by an author may enter a store. Asked by the store's writer for every
 * entry it ingests (never for entries already in the logs: a rebuild trusts them), so it must be
 * fast and must not call back into the same store's writer.
 */
@FunctionalInterface
public interface AuthorPolicy {
  /** Whether {@code author} may write to the store. */
  boolean allows(NodeId author) throws KvException;

  /** Everyone (tests, and stores whose access is checked elsewhere). */
  static AuthorPolicy anyone() {
    return author -> true;
  }
}
