package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.Collection;
import java.util.function.ToLongFunction;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.StoreCatalog;

/**
 * Registers the replicated logs' metrics, summed over the root store and every open app store and
 * read from kv's counters at scrape time (no store label: store ids are hashes, and the sums are
 * what alerts need):
 *
 * <ul>
 *   <li>{@code lattice_log_entries_appended_total}: entries this node committed; {@code
 *       lattice_log_entries_ingested_total}: remote entries applied; {@code
 *       lattice_log_entries_rejected_total{reason}}: remote entries refused, by {@link
 *       LogStore.RejectReason#label()};
 *   <li>{@code lattice_log_orphans}: entries waiting for their predecessor; {@code
 *       lattice_log_equivocations}: fraud proofs held (each refuses an author);
 *   <li>{@code lattice_log_stores{state}}: stores {@code open} and refused as {@code damaged}.
 * </ul>
 *
 * Counters restart from 0 with the daemon (and drop when a store is removed): Prometheus's {@code
 * rate()} treats a drop as a reset.
 */
public final class LogMetrics {
  public LogMetrics(PrometheusRegistry registry, StoreCatalog stores) {
    CounterWithCallback.builder()
        .name("lattice_log_entries_appended_total")
        .help("Log entries committed by this node")
        .callback(cb -> cb.call(sum(stores, LogStore.Stats::committed)))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_log_entries_ingested_total")
        .help("Remote log entries applied")
        .callback(cb -> cb.call(sum(stores, LogStore.Stats::ingested)))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_log_entries_rejected_total")
        .help("Remote log entries refused, by reason")
        .labelNames("reason")
        .callback(
            cb -> {
              Collection<LogStore.Stats> all = stores.openStoreStats().values();
              for (LogStore.RejectReason r : LogStore.RejectReason.values()) {
                long n = 0;
                for (LogStore.Stats s : all) {
                  n += s.rejected(r);
                }
                cb.call(n, r.label());
              }
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_log_orphans")
        .help("Remote entries buffered until their predecessor arrives")
        .callback(cb -> cb.call(sum(stores, LogStore.Stats::orphans)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_log_equivocations")
        .help("Equivocations detected: fraud proofs held, each refusing its author")
        .callback(cb -> cb.call(sum(stores, LogStore.Stats::equivocations)))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_log_stores")
        .help("Stores open and refused as damaged")
        .labelNames("state")
        .callback(
            cb -> {
              cb.call(stores.openStoreStats().size(), "open");
              cb.call(stores.damaged().size(), "damaged");
            })
        .register(registry);
  }

  private static long sum(StoreCatalog stores, ToLongFunction<LogStore.Stats> f) {
    long n = 0;
    for (LogStore.Stats s : stores.openStoreStats().values()) {
      n += f.applyAsLong(s);
    }
    return n;
  }
}
