package org.latticefs.kv;

/**
 * An operation that knows its own effect on the state. The store applies every operation of an
 * entry, in order, to one {@link StateContext}; they commit together or not at all.
 *
 * <p>Implementations must be deterministic: the same context contents and the same entry give the
 * same writes on every replica (no clock, no randomness, no I/O outside the context).
 */
public interface Applyable {
  /** Applies this operation. An exception aborts the whole entry's transaction. */
  void applyTo(StateContext state) throws KvException;
}
