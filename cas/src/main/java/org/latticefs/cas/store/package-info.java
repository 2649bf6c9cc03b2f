/**
 * Blob stores: where blobs live, and wrappers around them.
 *
 * <h2>DiskBlobStore</h2>
 *
 * The real store: one file per blob under {@code {root}/cas/{hash[0:2]}/{hash}.blob}, written
 * through a synced temp file and an atomic rename, verified on every read. Its parts, each a class
 * of its own: the directory tree and its modes ({@code StoreDirectory}), space and limits ({@code
 * SpaceBudget}), temp files ({@code TempFiles}, {@code UnnamedTemps}), writing and naming ({@code
 * BlobWriter}), batches ({@code DiskBatch}), verified reads and saved outboards ({@code
 * VerifiedReads}, {@code OutboardFiles}), quarantine, the counts at open ({@code Census}), the
 * copies it may count on ({@code TrustedCopies}), receives through holds ({@code HeldReceiver}),
 * the gate that refuses calls once closed ({@code StoreGate}), the periodic flush of access times
 * and usage ({@code StoreFlush}), and the access times' files ({@code AccessFiles}).
 *
 * <h2>Reservation</h2>
 *
 * Room for a write, taken before a byte is written, against the quota and the free space the disk
 * must keep; a write that does not fit fails with {@code NoSpaceLeftException} having written
 * nothing.
 *
 * <h2>Trusted copy</h2>
 *
 * A blob file this process wrote or checked byte by byte, unchanged since (same inode, same change
 * time): the only kind a receive of the same content may count on instead of writing it.
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
 *
 * <h2>VerifyingBlobFetcher</h2>
 *
 * The wrapper for any source that is not this process's own store (a peer): every byte it returns
 * is checked against the ref asked for.
 */
package org.latticefs.cas.store;
