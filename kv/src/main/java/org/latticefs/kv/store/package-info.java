/**
 * Stores on disk: logs, state and the writer that keeps them in step.
 *
 * <h2>LogStore</h2>
 *
 * One store: a {@link org.latticefs.kv.log.SigChainLog} per author (the truth), a Xodus state
 * derived from them, one writer thread that validates, appends and applies, local commits grouped
 * so one fsync covers many.
 *
 * <h2>Ingest outcome</h2>
 *
 * What happened to one entry from elsewhere: {@link org.latticefs.kv.store.IngestOutcome.Applied},
 * {@link org.latticefs.kv.store.IngestOutcome.Duplicate}, {@link
 * org.latticefs.kv.store.IngestOutcome.Orphaned} (waiting for its predecessor), {@link
 * org.latticefs.kv.store.IngestOutcome.Rejected} (with a reason).
 *
 * <h2>Orphan</h2>
 *
 * A verified entry whose predecessor has not arrived; held in memory with its receive time, applied
 * when the gap fills, dropped after a time to live.
 *
 * <h2>Equivocation</h2>
 *
 * Two entries one author signed with the same seq: a fraud proof, kept on disk; the author's
 * entries are refused from then on.
 *
 * <h2>Root store</h2>
 *
 * The control plane (fixed id {@link org.latticefs.kv.store.RootStore#ID}): which stores exist,
 * which nodes are active, pins and presence. {@link org.latticefs.kv.store.RootStore} gives typed
 * access; {@link org.latticefs.kv.store.DiskStores} opens a data directory under an exclusive lock.
 */
package org.latticefs.kv.store;
