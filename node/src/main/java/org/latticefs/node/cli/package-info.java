/**
 * The {@code lattice-fs} command line (picocli).
 *
 * <h2>Command</h2>
 *
 * One class per command under {@link org.latticefs.node.cli.LatticeCommand}; node commands extend
 * {@code Base} and reach the node through {@code Cli}, which connects to the running daemon or
 * opens the data directory here.
 *
 * <h2>Exit codes</h2>
 *
 * 0 success, 1 failure, 2 bad usage, 3 no daemon running.
 */
package org.latticefs.node.cli;
