package org.latticefs.kv.state;

import java.util.List;
import java.util.Map;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.KvReader;
import org.latticefs.kv.NodeId;

/**
 * Where a store's materialized state lives.
 *
 * <h2>Concurrency</h2>
 *
 * One writer: {@link #apply} and {@link #clear} are called by one thread at a time (the store's
 * writer). Reads ({@link KvReader} methods, {@link #snapshot}, {@link #tips}) may run concurrently
 * with each other and with the writer, see a state as of some completed {@link #apply}, and never
 * block it.
 *
 * <h2>Durability</h2>
 *
 * None promised: the logs are the truth. After a crash the state may be behind the logs (the store
 * re-applies what is missing, judged by {@link #tips}) or unreadable ({@link
 * CorruptStateException}; the store rebuilds it).
 */
public interface StateBackend extends KvReader, AutoCloseable {
  /**
   * Applies {@code entries} in order, all in one transaction: either every entry's operations and
   * tip are applied, or (on an exception) none. The caller has validated them (chain order per
   * author, signatures).
   *
   * @return for each key an entry touched, its heads after that entry, in apply order
   */
  List<KeyChange> apply(List<StateEntry> entries) throws KvException;

  /** Per author, the last applied entry. */
  Map<NodeId, AppliedTip> tips() throws KvException;

  /** A consistent read-only view; the caller closes it. */
  StateView snapshot() throws KvException;

  /** The digest of the current state (see the package doc). */
  default BlobRef digest() throws KvException {
    try (StateView view = snapshot()) {
      return view.digest();
    }
  }

  /** Reads and decodes everything, throwing {@link CorruptStateException} at the first damage. */
  void check() throws KvException;

  /** Removes everything: keys, heads, tips. */
  void clear() throws KvException;

  @Override
  void close() throws KvException;
}
