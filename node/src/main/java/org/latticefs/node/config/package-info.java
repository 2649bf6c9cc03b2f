/**
 * Where a node keeps its data and how it is configured.
 *
 * <h2>Data directory</h2>
 *
 * {@link org.latticefs.node.config.DataDir}: {@code $LATTICE_HOME}, created on first use.
 *
 * <h2>Config</h2>
 *
 * {@link org.latticefs.node.config.NodeConfig}: defaults that need no file, overridden by {@code
 * config.properties} in the data directory.
 */
package org.latticefs.node.config;
