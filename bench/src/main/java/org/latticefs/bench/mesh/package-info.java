/** Benchmark programs for mesh: a new node's catch-up and gossip latency ({@code CatchUpBench}). */
package org.latticefs.bench.mesh;
