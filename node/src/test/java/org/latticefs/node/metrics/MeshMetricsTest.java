package org.latticefs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;
import org.latticefs.mesh.blob.FetchStats;

/** What the blob exchange's counts become in a scrape, read at scrape time. */
class MeshMetricsTest {
  @Test
  void eachCountShowsUnderItsNameAndResult() throws Exception {
    FetchStats stats = FetchStats.zero();
    PrometheusRegistry r = new PrometheusRegistry();
    new MeshMetrics(r, () -> stats);
    stats.fetched().add(3);
    stats.fetchedBytes().add(3000);
    stats.servedBytes().add(700);
    stats.served().add(2);
    stats.badBytes().increment();
    stats.notFound().add(4);
    stats.failed().add(5);
    stats.raced().add(6);
    stats.refused().add(7);
    stats.busy().add(8);
    String s = CasAndLogMetricsTest.scrape(r);
    assertEquals(3000, CasAndLogMetricsTest.value(s, "lattice_mesh_fetched_bytes_total"));
    assertEquals(700, CasAndLogMetricsTest.value(s, "lattice_mesh_served_bytes_total"));
    String[] results = {
      "fetched", "not_found", "failed", "bad_bytes", "raced", "served", "refused", "busy"
    };
    double[] expected = {3, 4, 5, 1, 6, 2, 7, 8};
    for (int i = 0; i < results.length; i++) {
      assertEquals(
          expected[i],
          CasAndLogMetricsTest.value(s, "lattice_mesh_blobs_total{result=\"" + results[i] + "\"}"),
          results[i]);
    }
  }
}
