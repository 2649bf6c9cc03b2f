/**
 * The filesystem itself: {@link org.latticefs.fs.core.LatticeFileSystem}, the one entry point FUSE
 * bindings and tests call, and the classes it hands each job to.
 *
 * <h2>Store context</h2>
 *
 * One per store for the life of the filesystem: its kv store, the namespace lock that serializes
 * changes to its tree, and the files created here whose first commit is pending. The mount root
 * ({@code StoreRoot}) maps names to contexts.
 *
 * <h2>Resolved path</h2>
 *
 * What a path names ({@code PathResolver}): a committed inode (with its open state here, if any), a
 * create not committed yet, or a conflict copy.
 *
 * <h2>Open file</h2>
 *
 * The state of a file open on this node, shared by all its handles ({@code OpenFile}): its content
 * writer and its metadata. {@code OpenFiles} keeps them and commits them: content to cas, then one
 * log entry.
 *
 * <h2>Pending create</h2>
 *
 * A file created here that exists only in memory until its first commit, so create, write and close
 * cost one log entry. Its name is taken for lookups, listings and emptiness checks all the same.
 *
 * <h2>Handle</h2>
 *
 * The number the kernel holds for an open file or directory ({@code Handles}).
 *
 * <h2>Link count</h2>
 *
 * A directory's is 2 plus its subdirectories, kept in its inode by the entries that change it and
 * derived from its entries when the stored count cannot be trusted ({@code DirLinks}).
 *
 * <h2>Access time</h2>
 *
 * Moved by reads as {@code relatime} says and kept on this node only ({@code AccessTimes}), never
 * as a log entry; an explicit {@code utimens} is replicated as any other change.
 *
 * <h2>Inode number</h2>
 *
 * What the kernel sees: an inode id mixed with its store's salt, below 2^63 ({@code
 * StoreContext#ino}).
 *
 * <h2>Conflict copy</h2>
 *
 * A losing concurrent version (from another node) shown read-only beside the winner, named by
 * {@code ConflictNames}; unlinking it keeps the winner ({@code ConflictCopies}).
 */
package org.latticefs.fs.core;
