/**
 * The content-addressed store: the ground floor of Lattice.
 *
 * <h2>Blob</h2>
 *
 * Bytes named by their BLAKE3-256 hash ({@link org.latticefs.cas.BlobRef}). A blob never changes;
 * reading it verifies the bytes against the name.
 *
 * <h2>Outboard</h2>
 *
 * The BLAKE3 chaining values of a blob's 16 KiB groups ({@link org.latticefs.cas.hash.Outboard}):
 * 32 bytes per group, checked against the blob's ref, with which any group can be verified on its
 * own. What lets a 4 KiB read of a 1 MiB chunk read 16 KiB rather than the whole chunk.
 *
 * <h2>Roles</h2>
 *
 * Small interfaces, one per role ({@link org.latticefs.cas.BlobFetcher}, {@link
 * org.latticefs.cas.BlobReceiver}, {@link org.latticefs.cas.BlobStatter}, {@link
 * org.latticefs.cas.BlobEnumerator}, {@link org.latticefs.cas.BlobRemover}), combined into {@link
 * org.latticefs.cas.BlobStore}. Callers take the narrowest role they need: the filesystem only
 * fetches, so a fetcher that falls back to peers slots in unseen.
 *
 * <p>This package knows nothing of logs, FUSE or the network.
 */
package org.latticefs.cas;
