/**
 * Stores: logs, state and the writer that keeps them in step.
 *
 * <h2>LogStore</h2>
 *
 * One store ({@link org.latticefs.kv.store.LogStore}), in a directory or in memory: a {@code
 * ChainLog} per author (the truth), a state derived from them, one writer thread. Its parts, one
 * job each: {@code WriterThread} (the writer and hand-offs to it), {@code ChainLogs} (the
 * per-author logs), {@code StateKeeper} (the state, rebuilt when damaged or disagreeing), {@code
 * GroupCommit} (local commits, grouped so one fsync covers many), {@code Ingest} and {@code
 * IngestRules} (entries from elsewhere and what is accepted), {@code ProofFiles} (fraud proofs),
 * {@code WatchHub} (watchers), {@code History} (the merged history).
 *
 * <h2>Orphan</h2>
 *
 * A verified entry whose predecessor has not arrived; held in memory with its receive time, applied
 * when the gap fills, dropped after a time to live.
 *
 * <h2>Damage</h2>
 *
 * A store whose files lost acknowledged data is refused ({@link
 * org.latticefs.kv.DamagedStoreException}), never opened empty or cut; a damaged state is set aside
 * and rebuilt from the logs.
 *
 * <h2>Root store and catalog</h2>
 *
 * The control plane (fixed id {@link org.latticefs.kv.store.RootStore#ID}): which stores exist,
 * which nodes are active, pins and presence; {@link org.latticefs.kv.store.RootStore} gives typed
 * access. {@link org.latticefs.kv.store.StoreCatalog} is a node's stores and their rules; {@link
 * org.latticefs.kv.store.DiskStores} keeps them in a data directory under an exclusive lock, {@code
 * kv.memory.MemoryStores} in memory.
 */
package org.latticefs.kv.store;
