/** Benchmark programs for gc: a collection pass and the store's open time ({@code GcBench}). */
package org.latticefs.bench.gc;
