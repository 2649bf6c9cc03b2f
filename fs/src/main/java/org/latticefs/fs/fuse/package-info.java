/**
 * FUSE and mounting: the only code that knows a FUSE library. {@link
 * org.latticefs.fs.fuse.LibfuseAdapter} serves the path-based {@link
 * org.latticefs.fs.core.LatticeFileSystem} through the byte-name libfuse2 binding ({@code
 * fs.fuse.libfuse}) and answers every failure with {@link org.latticefs.fs.FsErrors}; {@link
 * org.latticefs.fs.fuse.FuseMount} mounts it and takes it down; {@link
 * org.latticefs.fs.fuse.Mounts} reads what the kernel has mounted. {@link
 * org.latticefs.fs.fuse.KernelAdapter} serves the same filesystem on {@code fs.fuse.kernel}, the
 * binding that speaks the kernel's FUSE protocol directly (no libfuse), which {@link
 * org.latticefs.fs.fuse.FuseMount} mounts with when it runs as root.
 *
 * <h2>Names</h2>
 *
 * Linux names are bytes. The kernel's bytes become the core's strings in one place, the adapter,
 * with {@link org.latticefs.kv.KeyBytes#decode} (invalid UTF-8 as escapes, so no two names
 * collide), and go back with {@link org.latticefs.kv.KeyBytes#encode}.
 *
 * <h2>Dead mount</h2>
 *
 * A FUSE mount whose daemon is gone (killed with SIGKILL): listed in mountinfo, answering
 * "Transport endpoint is not connected". Mounting cleans one up first.
 */
package org.latticefs.fs.fuse;
