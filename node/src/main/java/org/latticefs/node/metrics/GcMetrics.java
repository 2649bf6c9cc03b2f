package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;
import org.latticefs.gc.GcService;

/**
 * Registers the garbage collector's metrics, read from {@link GcService#stats()} at scrape time:
 *
 * <ul>
 *   <li>{@code lattice_gc_runs_total}, {@code lattice_gc_failures_total}: passes run (dry runs not
 *       counted) and passes that failed;
 *   <li>{@code lattice_gc_removed_blobs_total}, {@code lattice_gc_removed_bytes_total}: what they
 *       removed;
 *   <li>{@code lattice_gc_last_success_timestamp_seconds}: when the last pass that did not fail
 *       started (0 before the first); {@code lattice_gc_last_duration_seconds}: how long the last
 *       pass took (0 before the first).
 * </ul>
 */
public final class GcMetrics {
  public GcMetrics(PrometheusRegistry registry, Supplier<GcService.Stats> stats) {
    CounterWithCallback.builder()
        .name("lattice_gc_runs_total")
        .help("Garbage collection passes run (dry runs not counted)")
        .callback(cb -> cb.call(stats.get().passes()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_gc_failures_total")
        .help("Garbage collection passes that failed")
        .callback(cb -> cb.call(stats.get().failures()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_gc_removed_blobs_total")
        .help("Blobs removed by garbage collection")
        .callback(cb -> cb.call(stats.get().removedBlobs()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_gc_removed_bytes_total")
        .help("Bytes of the blobs removed by garbage collection")
        .callback(cb -> cb.call(stats.get().removedBytes()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_gc_last_success_timestamp_seconds")
        .help("When the last garbage collection pass that did not fail started (0: none yet)")
        .callback(
            cb -> {
              GcService.Stats s = stats.get();
              cb.call(s.lastSuccess() == null ? 0 : s.lastSuccess().toEpochMilli() / 1000.0);
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_gc_last_duration_seconds")
        .help("How long the last garbage collection pass took (0: none yet)")
        .callback(
            cb -> {
              GcService.Stats s = stats.get();
              cb.call(s.last() == null ? 0 : s.last().elapsed().toNanos() / 1e9);
            })
        .register(registry);
  }
}
