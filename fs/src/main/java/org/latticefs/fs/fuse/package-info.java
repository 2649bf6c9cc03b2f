/**
 * FUSE bindings and mounting: the only code that knows a FUSE library. A binding ({@link
 * org.latticefs.fs.fuse.FuseBinding}) adapts a library's callbacks to the path-based {@link
 * org.latticefs.fs.core.LatticeFileSystem} and answers every failure with {@link
 * org.latticefs.fs.FsErrors}; {@link org.latticefs.fs.fuse.FuseMount} runs any binding and takes it
 * down; {@link org.latticefs.fs.fuse.Mounts} reads what the kernel has mounted.
 *
 * <h2>Binding</h2>
 *
 * {@link org.latticefs.fs.fuse.LatticeFuse}: jnr-fuse over libfuse2's high-level API. Another
 * binding implements {@code FuseBinding} beside it; the core does not change.
 *
 * <h2>Dead mount</h2>
 *
 * A FUSE mount whose daemon is gone (killed with SIGKILL): listed in mountinfo, answering
 * "Transport endpoint is not connected". Mounting cleans one up first.
 */
package org.latticefs.fs.fuse;
