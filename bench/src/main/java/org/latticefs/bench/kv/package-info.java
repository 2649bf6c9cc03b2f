/**
 * Benchmark programs for kv (plain {@code main}s, not tests): Ed25519 implementations, durable log
 * appends, log read-back and verification. Commands and figures: BENCHMARKS.md, "Signed log".
 */
package org.latticefs.bench.kv;
