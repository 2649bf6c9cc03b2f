/**
 * The FUSE binding probe: how far a Java filesystem on jfuse (libfuse3 over the FFM API, Java 22+)
 * gets next to jnr-fuse (libfuse2, what Lattice uses) and bindfs (C, libfuse2).
 *
 * <ul>
 *   <li>{@link org.latticefs.bench.jfuse.JfusePassthrough}: {@code PassthroughTree} through jfuse.
 *   <li>{@link org.latticefs.bench.jfuse.JfuseMemory}: {@code MemoryTree} through jfuse.
 *   <li>{@link org.latticefs.bench.jfuse.ProbeMain}: mounts one of them in the foreground.
 *   <li>{@link org.latticefs.bench.jfuse.CeilingBench}: the five-way benchmark against bindfs and
 *       jnr-fuse.
 * </ul>
 *
 * <p>Built only with {@code -Djfuse.jdk=DIR} (a JDK 22 or newer; see bench/jfuse/pom.xml), never by
 * a plain {@code mvn verify}. The filesystems are the bench module's {@code MemoryTree} and {@code
 * PassthroughTree}, the same code the jnr-fuse side serves.
 */
package org.latticefs.bench.jfuse;
