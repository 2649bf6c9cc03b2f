/**
 * Lattice's benchmark programs (plain {@code main}s run with {@code bench/run}, never by surefire)
 * and what they share: {@link org.latticefs.bench.Shell} (commands, cache drops, bindfs, children
 * that mount), {@link org.latticefs.bench.Fio}, {@link org.latticefs.bench.Median}. One package per
 * area: {@code cas}, {@code kv}, {@code gc}, {@code mesh}, {@code fs}, {@code node}. Figures and
 * commands: BENCHMARKS.md.
 */
package org.latticefs.bench;
