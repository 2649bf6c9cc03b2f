/**
 * Where a node keeps its data and how it is configured.
 *
 * <h2>Data directory</h2>
 *
 * {@link org.latticefs.node.config.DataDir}: {@code $LATTICE_HOME}, created on first use and kept
 * private ({@link org.latticefs.node.config.DataDirModes}: 0700 folders, 0600 files at the top).
 *
 * <h2>Config</h2>
 *
 * {@link org.latticefs.node.config.NodeConfig}: defaults that need no file, overridden by {@code
 * config.properties} in the data directory. {@link org.latticefs.node.config.MountOptions} checks
 * {@code mount.options}; {@link org.latticefs.node.config.JvmOptions} turns the memory settings
 * into the daemon's JVM options.
 */
package org.latticefs.node.config;
