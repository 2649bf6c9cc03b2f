/**
 * The FUSE filesystem: Lattice's stores mounted as folders. This package is its vocabulary, shared
 * by the packages below and by node: configuration ({@link org.latticefs.fs.FsConfig}, {@link
 * org.latticefs.fs.SpaceProvider}), errors ({@link org.latticefs.fs.FsException}, {@link
 * org.latticefs.fs.Errno}, {@link org.latticefs.fs.FsErrors}) and the values the filesystem answers
 * with ({@link org.latticefs.fs.Attr}, {@link org.latticefs.fs.DirEntry}, ...).
 *
 * <h2>Packages</h2>
 *
 * <ul>
 *   <li>{@code fs.inode}: the inode codec and the key layout of a store's tree.
 *   <li>{@code fs.content}: file content on its way to and from cas (writers, readers, staging).
 *   <li>{@code fs.core}: the filesystem itself ({@code LatticeFileSystem}, the one entry point):
 *       the mount root, paths, the namespace, open files and their commits, handles.
 *   <li>{@code fs.fuse}: FUSE bindings and mounting; the only code that knows a FUSE library.
 * </ul>
 *
 * Dependencies point down that list and to this package; nothing here depends on them but {@code
 * Attr} and {@code PathInfo} on {@code fs.inode}.
 *
 * <h2>Using it (for node)</h2>
 *
 * <pre>{@code
 * CachingBlobFetcher cache = new CachingBlobFetcher(fetcher, 512L << 20);  // node keeps its stats
 * FsConfig config = FsConfig.of(stores, fetcher, cache, new FileIngester(blobStore), stagingDir)
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
 * peers); the ingester stores new chunks and manifests. Paths are relative to the mount root
 * ({@code /photos/cat.jpg}).
 *
 * <h2>Store</h2>
 *
 * A top-level folder of the mount: one kv store with its own signed log and inode tree.
 *
 * <h2>Conflict copy</h2>
 *
 * A losing concurrent version (from another node) shown read-only beside the winner.
 */
package org.latticefs.fs;
