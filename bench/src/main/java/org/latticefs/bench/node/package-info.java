/**
 * Benchmark programs for the node, driving {@code ./lattice-fs} in child processes: the daemon's
 * RSS ({@code RssBench}) and the CLI's wait ({@code CliBench}).
 */
package org.latticefs.bench.node;
