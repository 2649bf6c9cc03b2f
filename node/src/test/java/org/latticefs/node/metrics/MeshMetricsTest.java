package org.latticefs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.latticefs.node.metrics.Scrapes.scrape;
import static org.latticefs.node.metrics.Scrapes.value;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.MeshException;
import org.latticefs.mesh.PeerStatus;
import org.latticefs.mesh.blob.FetchStats;

/** What the mesh's counters and peer list become in a scrape. */
class MeshMetricsTest {
  private static PeerStatus peer(int n, String status, boolean connected, long... lags) {
    byte[] key = new byte[NodeId.LENGTH];
    key[0] = (byte) n;
    List<PeerStatus.StoreLag> stores =
        connected
            ? List.of(
                new PeerStatus.StoreLag("s1", "docs", lags[0], lags[1]),
                new PeerStatus.StoreLag("s2", "photos", lags[2], lags[3]))
            : List.of();
    return new PeerStatus(
        NodeId.of(key, 0),
        "n" + n,
        status,
        List.of(),
        connected,
        Optional.empty(),
        Optional.empty(),
        Optional.empty(),
        stores);
  }

  @Test
  void peersByStateTheWorstLagAndTheBlobExchange() throws Exception {
    FetchStats stats = FetchStats.zero();
    stats.fetched().add(3);
    stats.fetchedBytes().add(3000);
    stats.served().add(2);
    stats.servedBytes().add(700);
    stats.badBytes().increment();
    stats.notFound().add(4);
    stats.failed().add(5);
    stats.raced().add(6);
    stats.refused().add(7);
    stats.busy().add(8);
    List<PeerStatus> peers =
        List.of(
            peer(1, "active", true, 0, 12, -1, 3),
            peer(2, "active", true, 40, 0, 2, -1),
            peer(3, "active", false),
            peer(4, "revoked", false));
    PrometheusRegistry r = new PrometheusRegistry();
    new MeshMetrics(r, () -> stats, () -> peers);
    String s = scrape(r);
    assertEquals(2, value(s, "lattice_mesh_peers{state=\"connected\"}"));
    assertEquals(1, value(s, "lattice_mesh_peers{state=\"disconnected\"}"));
    assertEquals(1, value(s, "lattice_mesh_peers{state=\"revoked\"}"));
    assertEquals(40, value(s, "lattice_mesh_max_lag_entries{direction=\"peer_lacks\"}"));
    assertEquals(12, value(s, "lattice_mesh_max_lag_entries{direction=\"we_lack\"}"));
    assertEquals(3, value(s, "lattice_mesh_fetched_blobs_total"));
    assertEquals(3000, value(s, "lattice_mesh_fetched_bytes_total"));
    assertEquals(2, value(s, "lattice_mesh_served_blobs_total"));
    assertEquals(700, value(s, "lattice_mesh_served_bytes_total"));
    assertEquals(1, value(s, "lattice_mesh_bad_bytes_total"));
    assertEquals(6, value(s, "lattice_mesh_fetch_raced_total"));
    assertEquals(4, value(s, "lattice_mesh_fetch_failures_total{reason=\"not_found\"}"));
    assertEquals(5, value(s, "lattice_mesh_fetch_failures_total{reason=\"error\"}"));
    assertEquals(7, value(s, "lattice_mesh_serve_refused_total{reason=\"scope\"}"));
    assertEquals(8, value(s, "lattice_mesh_serve_refused_total{reason=\"busy\"}"));
    assertFalse(s.contains("lat1"), "no node id in any label");
  }

  @Test
  void aPeerListThatCannotBeReadLeavesThoseGaugesEmptyAndTheScrapeWhole() throws Exception {
    PrometheusRegistry r = new PrometheusRegistry();
    new MeshMetrics(
        r,
        FetchStats::zero,
        () -> {
          throw new MeshException("cannot read the root store", false, null);
        });
    String s = scrape(r);
    assertFalse(s.contains("lattice_mesh_peers{"), s);
    assertFalse(s.contains("lattice_mesh_max_lag_entries{"), s);
    assertEquals(0, value(s, "lattice_mesh_fetched_blobs_total"));
  }
}
