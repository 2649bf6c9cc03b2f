package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.util.concurrent.atomic.LongAdder;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Registers the blob store's metrics, read from cas's own counters at scrape time (cas knows no
 * metrics API):
 *
 * <ul>
 *   <li>{@code lattice_cas_blobs}, {@code lattice_cas_bytes{class}}: what the store holds; {@code
 *       class} is {@code blobs} (the blobs themselves) or {@code outboards} (saved verification
 *       trees). The gc module adds its classes (pinned, referenced, cache, garbage) the same way.
 *   <li>{@code lattice_cas_quota_bytes} (0: none), {@code lattice_cas_used_bytes} (what counts
 *       toward it), {@code lattice_disk_free_bytes}, {@code lattice_disk_size_bytes}.
 *   <li>{@code lattice_cas_ingest_blobs_total}, {@code lattice_cas_ingest_bytes_total}: blobs
 *       received (chunks and manifests); {@code lattice_cas_written_bytes_total}: of those, bytes
 *       written anew; {@code lattice_cas_dedup_hits_total}, {@code lattice_cas_dedup_bytes_total}:
 *       received blobs that were present already.
 *   <li>{@code lattice_cas_verification_failures_total}: blobs found not to match their name since
 *       start; {@code lattice_cas_quarantined_blobs}: corrupt blobs kept aside and not repaired.
 * </ul>
 */
public final class CasMetrics {
  private final LongAdder verificationFailures = new LongAdder();

  public CasMetrics(PrometheusRegistry registry, DiskBlobStore blobs, long quotaBytes) {
    blobs.addCorruptionListener((ref, where, detail) -> verificationFailures.increment());
    GaugeWithCallback.builder()
        .name("lattice_cas_blobs")
        .help("Blobs in the local store")
        .callback(cb -> cb.call(blobs.blobCount()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_cas_bytes")
        .help("Bytes in the local store, by class")
        .labelNames("class")
        .callback(
            cb -> {
              cb.call(blobs.bytesStored(), "blobs");
              cb.call(blobs.outboardBytes(), "outboards");
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_cas_quota_bytes")
        .help("storage.quota: most bytes of blobs this node keeps (0: no quota)")
        .callback(cb -> cb.call(quotaBytes))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_cas_used_bytes")
        .help("Bytes that count toward the quota: blobs, outboards, writes in progress")
        .callback(cb -> cb.call(blobs.usedBytes()))
        .register(registry);
    diskGauge(
        registry,
        "lattice_disk_free_bytes",
        "Bytes available on the disk under the data directory",
        blobs::usableSpace);
    diskGauge(
        registry,
        "lattice_disk_size_bytes",
        "Size of the disk under the data directory",
        blobs::totalSpace);
    CounterWithCallback.builder()
        .name("lattice_cas_ingest_blobs_total")
        .help("Blobs (chunks, manifests) received by the store, new or already present")
        .callback(cb -> cb.call(blobs.stats().blobsReceived()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_cas_ingest_bytes_total")
        .help("Bytes of the blobs received by the store, new or already present")
        .callback(cb -> cb.call(blobs.stats().bytesReceived()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_cas_written_bytes_total")
        .help("Bytes of received blobs that were new and written")
        .callback(cb -> cb.call(blobs.stats().bytesWritten()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_cas_dedup_hits_total")
        .help("Received blobs already present (not written again)")
        .callback(cb -> cb.call(blobs.stats().dedupHits()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_cas_dedup_bytes_total")
        .help("Bytes of received blobs already present (not written again)")
        .callback(cb -> cb.call(blobs.stats().dedupBytes()))
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_cas_verification_failures_total")
        .help("Blobs whose bytes did not match their name when read (quarantined)")
        .callback(cb -> cb.call(verificationFailures.sum()))
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_cas_quarantined_blobs")
        .help("Corrupt blobs kept aside in quarantine and not repaired")
        .callback(cb -> cb.call(blobs.corruptRefs().size()))
        .register(registry);
  }

  /** A figure of the disk that may fail to be read. */
  private interface DiskFigure {
    long get() throws IOException;
  }

  /** A gauge of a disk figure; a failed read gives no sample (the series goes stale). */
  private static void diskGauge(
      PrometheusRegistry registry, String name, String help, DiskFigure figure) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(
            cb -> {
              try {
                cb.call(figure.get());
              } catch (IOException e) {
                // No sample this scrape: the series goes stale, which alerts notice.
              }
            })
        .register(registry);
  }
}
