package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.function.Supplier;
import org.latticefs.mesh.blob.FetchStats;

/**
 * Registers the blob exchange's metrics, read from the mesh's {@link FetchStats} at scrape time:
 *
 * <ul>
 *   <li>{@code lattice_mesh_fetched_bytes_total}, {@code lattice_mesh_served_bytes_total}: bytes of
 *       blobs fetched from peers (verified) and sent to peers;
 *   <li>{@code lattice_mesh_blobs_total{result}}: blob requests by result: {@code fetched}, {@code
 *       not_found}, {@code failed}, {@code bad_bytes} (a peer sent bytes that were not the blob; it
 *       was demoted), {@code raced} (a slow peer was raced by another), {@code served}, {@code
 *       refused} (outside what the peer may see), {@code busy} (the peer had too many queued).
 * </ul>
 */
public final class MeshMetrics {
  public MeshMetrics(PrometheusRegistry registry, Supplier<FetchStats> stats) {
    CounterWithCallback.builder()
        .name("lattice_mesh_fetched_bytes_total")
        .help("Bytes of blobs fetched from peers and verified")
        .callback(cb -> cb.call(stats.get().fetchedBytes().sum()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_mesh_served_bytes_total")
        .help("Bytes of blobs sent to peers")
        .callback(cb -> cb.call(stats.get().servedBytes().sum()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_mesh_blobs_total")
        .help("Blob requests to and from peers, by result")
        .labelNames("result")
        .callback(
            cb -> {
              FetchStats s = stats.get();
              cb.call(s.fetched().sum(), "fetched");
              cb.call(s.notFound().sum(), "not_found");
              cb.call(s.failed().sum(), "failed");
              cb.call(s.badBytes().sum(), "bad_bytes");
              cb.call(s.raced().sum(), "raced");
              cb.call(s.served().sum(), "served");
              cb.call(s.refused().sum(), "refused");
              cb.call(s.busy().sum(), "busy");
            })
        .register(registry);
  }
}
