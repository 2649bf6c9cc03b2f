/**
 * The replicated key-value layer.
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
 * One store's logs and state ({@link org.latticefs.kv.Store}); {@link org.latticefs.kv.Stores}
 * holds the root store and the app stores it declares.
 */
package org.latticefs.kv;
