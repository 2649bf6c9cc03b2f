/**
 * How a store holds its tree: the inode codec and the key layout. Knows nothing of FUSE, open files
 * or cas beyond a manifest's {@link org.latticefs.cas.BlobRef}.
 *
 * <h2>Inode</h2>
 *
 * A file, directory, symlink or special file (FIFO, socket, device node), stored under {@code
 * /inodes/{id}} in its store's log ({@link org.latticefs.fs.inode.Inode}, with its compact
 * versioned encoding and strict decoder). Small files (up to 4 KiB) keep their bytes inline; larger
 * ones name a cas manifest.
 *
 * <h2>Dirent</h2>
 *
 * A name in a directory: {@code /dirents/{parent id}/{name}} holding the child's id ({@link
 * org.latticefs.fs.inode.Keys}). Renaming moves one dirent, whatever the size of the subtree. The
 * name is the kernel's bytes as {@link org.latticefs.kv.KeyBytes} holds them, so names that are not
 * UTF-8 stay distinct.
 */
package org.latticefs.fs.inode;
