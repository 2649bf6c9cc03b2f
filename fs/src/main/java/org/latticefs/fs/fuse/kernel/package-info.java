/**
 * A binding of the kernel's FUSE protocol ({@code linux/fuse.h}) with no libfuse: the binding reads
 * requests from {@code /dev/fuse} itself and writes the replies back.
 *
 * <h2>Glossary</h2>
 *
 * <ul>
 *   <li><b>Node id</b>: the kernel's name for an inode, chosen by the filesystem in its answers (1
 *       is the root); see {@link org.latticefs.fs.fuse.kernel.InodeFileSystem}.
 *   <li><b>Lookup count</b>: how many times the kernel has been given a node id and not yet
 *       forgotten it (FORGET, BATCH_FORGET).
 *   <li><b>Request</b>: {@code fuse_in_header} (length, opcode, unique id, node id, caller) and the
 *       opcode's arguments; decoded with bounds by {@code In}, served by {@code Dispatcher}.
 *   <li><b>Reply</b>: {@code fuse_out_header} (length, error, the request's unique id) and a body,
 *       built by {@code Out} in a worker's reply buffer and written with one {@code write(2)}.
 *   <li><b>Notification</b>: a message with unique id 0 the filesystem sends unasked ({@link
 *       org.latticefs.fs.fuse.kernel.Notifier}).
 * </ul>
 *
 * <h2>Using it</h2>
 *
 * <pre>{@code
 * KernelMount m = KernelMount.mount(myInodeFs, Path.of("/mnt/x"), KernelOptions.defaults("lattice"));
 * ...
 * m.unmount();   // umount2, then waits for the workers and destroy()
 * }</pre>
 *
 * <h2>Why not libfuse</h2>
 *
 * libfuse's high-level API names files by path, so every request pays a path build and a lookup in
 * libfuse's own node table, and libfuse2 caps writes at 128 KiB and has no per-file {@code
 * keep_cache}, READDIRPLUS or notifications. Speaking the protocol directly is what go-fuse
 * (gocryptfs) and Rust's fuser do; BENCHMARKS.md, "FUSE binding ceiling", has the figures.
 */
package org.latticefs.fs.fuse.kernel;
