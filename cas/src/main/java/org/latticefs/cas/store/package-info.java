/**
 * Blob stores: where blobs live, and wrappers around them.
 *
 * <h2>DiskBlobStore</h2>
 *
 * The real store: one file per blob under {@code {root}/cas/{hash[0:2]}/{hash}.blob}, written
 * through a synced temp file and an atomic rename, verified on every read.
 *
 * <h2>Batch</h2>
 *
 * A group of receives made durable together ({@link org.latticefs.cas.BlobBatch}): how the
 * thousands of chunks of a large file cost a few syncs instead of one each.
 *
 * <h2>Range read</h2>
 *
 * {@code fetchRange}: a few bytes of a blob, verified. The disk store keeps the {@link
 * org.latticefs.cas.hash.Outboard outboards} of recently read blobs in memory, so that a small read
 * reads and hashes only the 16 KiB groups it touches.
 *
 * <h2>Quarantine</h2>
 *
 * Where a blob found corrupt is moved: out of readers' way, not deleted. Reported through {@link
 * org.latticefs.cas.store.CorruptionListener} and {@code corruptRefs()} for repair from a peer.
 *
 * <h2>Access tracking</h2>
 *
 * {@link org.latticefs.cas.store.AccessTracker}: last use per blob, kept by Lattice (not the file
 * system's atime) for least-recently-used eviction.
 *
 * <h2>MemoryBlobStore</h2>
 *
 * The in-memory store for tests, with fault injection and call counters.
 *
 * <h2>CachingBlobFetcher</h2>
 *
 * A byte-bounded LRU of blobs in memory in front of any fetcher; what the filesystem reads chunks
 * through.
 */
package org.latticefs.cas.store;
