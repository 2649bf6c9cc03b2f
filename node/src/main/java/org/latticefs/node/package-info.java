/**
 * The node: Lattice's composition root.
 *
 * <h2>Node</h2>
 *
 * One process that opens a data directory ({@link org.latticefs.node.config.DataDir}): the kv
 * stores, the blob store, and, when mounted, the FUSE filesystem and the control socket that other
 * {@code lattice-fs} commands talk to. {@link org.latticefs.node.Main} is the executable.
 */
package org.latticefs.node;
