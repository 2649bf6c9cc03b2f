/**
 * The replicated key-value layer: the values and interfaces everything above kv sees. This package
 * depends on no other package of kv.
 *
 * <h2>Key</h2>
 *
 * A byte string starting with {@code /}, held as a Java string through {@link
 * org.latticefs.kv.KeyBytes} (UTF-8 where the bytes are UTF-8, one escape character per other
 * byte); ordered by its bytes. {@link org.latticefs.kv.Op#invalidKeyReason} says what a valid key
 * is.
 *
 * <h2>Entry</h2>
 *
 * One signed, hash-chained record in one author's log (a SigChain) for one store: seq, prev hash,
 * HLC, store id, the heads it supersedes, and a batch of {@link org.latticefs.kv.Op}s.
 *
 * <h2>State</h2>
 *
 * The materialized view derived only from the logs: per key every concurrent {@link
 * org.latticefs.kv.Head}, read as the deterministic last-writer-wins winner by (HLC, author).
 *
 * <h2>Store</h2>
 *
 * One store as applications use it ({@link org.latticefs.kv.Store}: commit, read, watch, history);
 * replication sees the same store as a {@code kv.sync.Replica}. {@link org.latticefs.kv.Stores}
 * holds the root store and the app stores it declares, and says which stores are refused as damaged
 * ({@link org.latticefs.kv.StoreDamage}, {@link org.latticefs.kv.DamagedStoreException}).
 */
package org.latticefs.kv;
