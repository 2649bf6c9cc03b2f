package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Info;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

/**
 * The node's own metrics and the JVM's: {@code lattice_build_info{version}} (always 1), {@code
 * lattice_node_start_time_seconds}, and the client library's JVM and process metrics ({@code
 * jvm_memory_*}, {@code jvm_gc_collection_seconds}, {@code jvm_threads_*}, {@code
 * process_open_fds}, {@code process_resident_memory_bytes}, …).
 */
public final class NodeMetrics {
  private NodeMetrics() {}

  /** Registers them in {@code registry}. */
  public static void register(PrometheusRegistry registry, String version, long startedAtMillis) {
    Info info =
        Info.builder()
            .name("lattice_build_info")
            .help("The running Lattice version")
            .labelNames("version")
            .register(registry);
    info.addLabelValues(version);
    GaugeWithCallback.builder()
        .name("lattice_node_start_time_seconds")
        .help("When the daemon started, in seconds since the epoch")
        .callback(cb -> cb.call(startedAtMillis / 1000.0))
        .register(registry);
    JvmMetrics.builder().register(registry);
  }
}
