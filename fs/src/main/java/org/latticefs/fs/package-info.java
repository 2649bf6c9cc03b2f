/**
 * The FUSE filesystem: Lattice's stores mounted as folders.
 *
 * <h2>Using it (for node)</h2>
 *
 * <pre>{@code
 * FsConfig config = FsConfig.of(stores, fetcher, blobStore, dataDir.resolve("staging"))
 *     .withCacheBytes(512L << 20)                 // in-memory chunk cache (default 256 MiB)
 *     .withSpace(SpaceProvider.ofQuota(quota, usage, dataDir)); // statfs + ENOSPC
 * LatticeFileSystem fs = new LatticeFileSystem(config);
 * FuseMount mount = FuseMount.mount(fs, Path.of("/home/me/Lattice")); // waits until mounted
 * ...
 * fs.describe("/photos/cat.jpg");  // lattice-fs stat: inode, manifest ref, chunks
 * mount.unmount();                 // fusermount -u, waited for
 * fs.close();
 * }</pre>
 *
 * {@code fetcher} is the only way content is read (node hands one that tries the local store, then
 * peers); {@code blobStore} receives new chunks and manifests. Paths given to {@link
 * org.latticefs.fs.LatticeFileSystem} are relative to the mount root ({@code /photos/cat.jpg}).
 *
 * <h2>Inode</h2>
 *
 * A file, directory or symlink, stored under {@code /inodes/{id}} in its store's log ({@link
 * org.latticefs.fs.Inode}, with its compact versioned encoding). Small files (up to 4 KiB) keep
 * their bytes inline; larger ones name a cas manifest.
 *
 * <h2>Dirent</h2>
 *
 * A name in a directory: {@code /dirents/{parent id}/{name}} holding the child's id ({@link
 * org.latticefs.fs.Keys}). Renaming moves one dirent, whatever the size of the subtree.
 *
 * <h2>Staging</h2>
 *
 * Per open file, a sparse local file holding only the written ranges; the rest is read from the
 * committed version. Flush, fsync and close turn it into chunks, a manifest and one log entry. A
 * file written strictly in order (new, truncated, or appended to) is chunked and stored in the
 * background while it is written, so that only the tail is left for the commit; past its first 8
 * MiB its bytes go straight to that background ingest instead of the staging file, and every GiB
 * the ingest is checkpointed (see {@code OpenFile}).
 *
 * <h2>Conflict copy</h2>
 *
 * A losing concurrent version (from another node) shown read-only beside the winner, named by
 * {@link org.latticefs.fs.ConflictNames}.
 */
package org.latticefs.fs;
