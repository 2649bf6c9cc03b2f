/**
 * The FUSE binding probe: how far a Java filesystem on jfuse (libfuse3 over the FFM API, Java 22+)
 * gets next to jnr-fuse (libfuse2, what Lattice uses) and bindfs (C, libfuse2).
 *
 * <ul>
 *   <li>{@link org.latticefs.fs.probe.JfusePassthrough}: java.nio passthrough to a directory.
 *   <li>{@link org.latticefs.fs.probe.JfuseMemory}: in-memory files, no work beyond a copy.
 *   <li>{@link org.latticefs.fs.probe.ProbeMain}: mounts one of them in the foreground.
 *   <li>{@link org.latticefs.fs.probe.CeilingBench}: the five-way benchmark against bindfs and
 *       jnr-fuse.
 * </ul>
 *
 * <p>Not part of Lattice's build (not in the root reactor, not built by CI).
 */
package org.latticefs.fs.probe;
