/**
 * Stores in memory with kv's real rules, for tests of what sits on kv and for tools.
 *
 * <h2>Memory stores</h2>
 *
 * {@link org.latticefs.kv.memory.MemoryStores}: one node's root and app stores, every store a
 * {@link org.latticefs.kv.store.LogStore} over in-memory logs and state (signed entries, multi-head
 * state, last-writer-wins reads, watches, history), with failures on demand and a second node of
 * the same mesh to make concurrent heads. Nothing survives closing.
 */
package org.latticefs.kv.memory;
