/**
 * Benchmark programs for cas: BLAKE3, chunking, the blob store's writes, reads and opens, ingest.
 * Commands and figures: BENCHMARKS.md.
 */
package org.latticefs.bench.cas;
