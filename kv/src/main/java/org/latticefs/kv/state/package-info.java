/**
 * The materialized state of one store, derived only from its logs.
 *
 * <h2>Head</h2>
 *
 * A value (or tombstone) an entry left on a key that no applied entry has superseded. A key has one
 * head normally, several after concurrent writes.
 *
 * <h2>Supersession</h2>
 *
 * An entry lists, per key it touches, the heads its author saw; applying it removes exactly those
 * from the key and adds itself. A listed head that has not arrived yet is remembered (a
 * <em>ghost</em>) so that it is never added when it does: the heads of a key depend only on the set
 * of applied entries, not on their arrival order.
 *
 * <h2>Winner</h2>
 *
 * The deterministic last-writer-wins head: greatest (HLC, author id bytes, entry hash).
 *
 * <h2>Digest</h2>
 *
 * BLAKE3 over a canonical dump of every key's heads and every author's applied tip. Two states with
 * the same digest answer every read identically; a rebuild from the logs reproduces it.
 *
 * <h2>Backend</h2>
 *
 * {@link org.latticefs.kv.state.StateBackend}: where the state lives ({@link
 * org.latticefs.kv.state.XodusStateBackend} on disk, {@link
 * org.latticefs.kv.state.MemoryStateBackend} for tests). Nothing outside this package sees the
 * storage engine.
 */
package org.latticefs.kv.state;
