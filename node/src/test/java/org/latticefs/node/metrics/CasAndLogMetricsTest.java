package org.latticefs.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.node.metrics.Scrapes.scrape;
import static org.latticefs.node.metrics.Scrapes.value;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.kv.Op;
import org.latticefs.kv.store.DiskStores;

/** What cas's and kv's counters become in a scrape. */
class CasAndLogMetricsTest {
  @TempDir Path dir;

  @Test
  void blobStoreFiguresIngestDedupAndCorruption() throws Exception {
    PrometheusRegistry r = new PrometheusRegistry();
    try (DiskBlobStore blobs = DiskBlobStore.open(dir.resolve("cas"))) {
      new CasMetrics(r, blobs, 1L << 30);
      byte[] a = "first blob".getBytes(StandardCharsets.UTF_8);
      BlobRef ref = blobs.receive(a);
      blobs.receive(a);
      blobs.receive("second".getBytes(StandardCharsets.UTF_8));
      String s = scrape(r);
      assertEquals(2, value(s, "lattice_cas_blobs"));
      assertEquals(16, value(s, "lattice_cas_bytes{class=\"blobs\"}"));
      assertEquals(3, value(s, "lattice_cas_ingest_blobs_total"));
      assertEquals(26, value(s, "lattice_cas_ingest_bytes_total"));
      assertEquals(16, value(s, "lattice_cas_written_bytes_total"));
      assertEquals(1, value(s, "lattice_cas_dedup_hits_total"));
      assertEquals(10, value(s, "lattice_cas_dedup_bytes_total"));
      assertEquals(1L << 30, value(s, "lattice_cas_quota_bytes"));
      assertTrue(value(s, "lattice_disk_free_bytes") > 0);
      assertEquals(0, value(s, "lattice_cas_verification_failures_total"));

      Path file =
          dir.resolve("cas/cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
      Files.writeString(file, "FIRST BLOB");
      assertThrows(CorruptBlobException.class, () -> blobs.fetch(ref));
      s = scrape(r);
      assertEquals(1, value(s, "lattice_cas_verification_failures_total"));
      assertEquals(1, value(s, "lattice_cas_quarantined_blobs"));
      assertEquals(1, value(s, "lattice_cas_blobs"));
    }
  }

  @Test
  void logFiguresSumTheOpenStores() throws Exception {
    PrometheusRegistry r = new PrometheusRegistry();
    try (DiskStores stores = DiskStores.open(dir.resolve("kv"))) {
      new LogMetrics(r, stores);
      var docs = stores.open(stores.createStore("docs").id());
      docs.commit(List.of(Op.Put.utf8("/a", "1")));
      docs.commit(List.of(Op.Put.utf8("/b", "2")));
      String s = scrape(r);
      // The root store's entries (the store's declaration, this node's registration) count too.
      assertTrue(value(s, "lattice_log_entries_appended_total") >= 3, s);
      assertEquals(2, value(s, "lattice_log_stores{state=\"open\"}"));
      assertEquals(0, value(s, "lattice_log_stores{state=\"damaged\"}"));
      assertEquals(0, value(s, "lattice_log_entries_rejected_total{reason=\"bad_signature\"}"));
      assertEquals(0, value(s, "lattice_log_equivocations"));
      assertEquals(0, value(s, "lattice_log_orphans"));
    }
  }

  @Test
  void gcFiguresFromTheServiceStats() throws Exception {
    PrometheusRegistry r = new PrometheusRegistry();
    java.util.concurrent.atomic.AtomicReference<org.latticefs.gc.GcService.Stats> stats =
        new java.util.concurrent.atomic.AtomicReference<>(
            new org.latticefs.gc.GcService.Stats(0, 0, 0, 0, null, null));
    new GcMetrics(r, stats::get);
    String s = scrape(r);
    assertEquals(0, value(s, "lattice_gc_runs_total"));
    assertEquals(0, value(s, "lattice_gc_last_success_timestamp_seconds"));
    assertEquals(0, value(s, "lattice_gc_last_duration_seconds"));
    stats.set(
        new org.latticefs.gc.GcService.Stats(
            3, 1, 10, 2048, null, java.time.Instant.ofEpochSecond(1_700_000_000)));
    s = scrape(r);
    assertEquals(3, value(s, "lattice_gc_runs_total"));
    assertEquals(1, value(s, "lattice_gc_failures_total"));
    assertEquals(10, value(s, "lattice_gc_removed_blobs_total"));
    assertEquals(2048, value(s, "lattice_gc_removed_bytes_total"));
    assertEquals(1.7e9, value(s, "lattice_gc_last_success_timestamp_seconds"));
  }
}
