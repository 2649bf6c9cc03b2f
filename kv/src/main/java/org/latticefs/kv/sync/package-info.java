/**
 * Replication: what a peer exchanges with this node, and nothing of how the state is read.
 *
 * <h2>Replica</h2>
 *
 * {@link org.latticefs.kv.sync.Replica}: one store's logs as a peer sees them: sync state (per
 * author: seq, tip hash, HLC), the entries after a seq, ingest of entries from elsewhere, fraud
 * proofs. {@link org.latticefs.kv.sync.Replicas}: a node's replicas by store id.
 *
 * <h2>Ingest outcome</h2>
 *
 * What happened to one entry from elsewhere: {@link org.latticefs.kv.sync.IngestOutcome.Applied},
 * {@link org.latticefs.kv.sync.IngestOutcome.Duplicate}, {@link
 * org.latticefs.kv.sync.IngestOutcome.Orphaned} (waiting for its predecessor), {@link
 * org.latticefs.kv.sync.IngestOutcome.Rejected} (with a reason).
 *
 * <h2>Equivocation</h2>
 *
 * Two entries one author signed with the same seq: a fraud proof anyone can check ({@link
 * org.latticefs.kv.sync.Equivocation}); the author's entries are refused from then on.
 *
 * <h2>Author policy</h2>
 *
 * {@link org.latticefs.kv.sync.AuthorPolicy}: who may write to a store, asked for every entry
 * ingested (the mesh's ingest guard plugs in here).
 */
package org.latticefs.kv.sync;
