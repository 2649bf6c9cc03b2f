package org.latticefs.node.metrics;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;
import java.util.function.Supplier;
import org.latticefs.mesh.MeshException;
import org.latticefs.mesh.PeerStatus;
import org.latticefs.mesh.blob.FetchStats;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Registers the mesh's metrics, read at scrape time from what the mesh counts itself ({@link
 * FetchStats}) and from its peer list ({@link PeerStatus}: connection, lag per store):
 *
 * <ul>
 *   <li>{@code lattice_mesh_peers{state}}: the other nodes this one knows, by {@code state}: {@code
 *       connected}, {@code disconnected} (trusted, no connection now) or {@code revoked}.
 *   <li>{@code lattice_mesh_max_lag_entries{direction}}: the largest lag over connected peers and
 *       stores, in log entries, as of each peer's last report: {@code peer_lacks} (entries this
 *       node holds that a peer lacks) or {@code we_lack} (the reverse); 0 when no connected peer
 *       reports a lag.
 *   <li>{@code lattice_mesh_fetched_blobs_total}, {@code lattice_mesh_fetched_bytes_total}: blobs
 *       fetched from peers and verified; {@code lattice_mesh_served_blobs_total}, {@code
 *       lattice_mesh_served_bytes_total}: blobs sent to peers.
 *   <li>{@code lattice_mesh_fetch_failures_total{reason}}: fetches that got nothing, {@code
 *       not_found} (no connected peer had the blob) or {@code error} (timeout, no good copy);
 *       {@code lattice_mesh_bad_bytes_total}: answers whose bytes did not match the ref asked for,
 *       each of which demoted the peer that sent them; {@code lattice_mesh_fetch_raced_total}:
 *       requests also sent to a second peer because the first was slow.
 *   <li>{@code lattice_mesh_serve_refused_total{reason}}: peers' requests refused, {@code scope}
 *       (the blob is in no store the peer may see) or {@code busy} (too many queued).
 * </ul>
 *
 * <h2>Why no peer label</h2>
 *
 * A peer is named by its node id, a key hash: a label of it would add series for every node ever
 * trusted (and a revoked node's series would linger in Prometheus), against the convention that
 * labels never carry a hash. So the lag is the worst over peers, which is what an alert needs; the
 * per-peer, per-store figures are in {@code lattice-fs peer ls} (and its {@code --json}).
 *
 * <h2>Cost</h2>
 *
 * The peer list reads the root store (a snapshot read, no writer waited for); one scrape reads it
 * once for both peer gauges, and a failure to read it leaves those gauges without a sample (the
 * series go stale) rather than failing the scrape.
 */
public final class MeshMetrics {
  private static final Logger LOG = LoggerFactory.getLogger(MeshMetrics.class);

  /** The mesh's peer list ({@code Mesh::peers}). */
  @FunctionalInterface
  public interface PeerSource {
    List<PeerStatus> peers() throws MeshException;
  }

  /** How long one read of the peer list serves the gauges (one scrape reads it once). */
  static final long PEERS_MAX_AGE_NANOS = 1_000_000_000L;

  private final PeerSource source;
  private List<PeerStatus> last;
  private long lastNanos;

  public MeshMetrics(PrometheusRegistry registry, Supplier<FetchStats> stats, PeerSource peers) {
    this.source = peers;
    GaugeWithCallback.builder()
        .name("lattice_mesh_peers")
        .help("Other nodes known to this one, by state (connected, disconnected, revoked)")
        .labelNames("state")
        .callback(
            cb -> {
              List<PeerStatus> list = peers();
              if (list == null) {
                return;
              }
              long connected = 0;
              long revoked = 0;
              for (PeerStatus p : list) {
                if (p.connected()) {
                  connected++;
                } else if (p.status().equals("revoked")) {
                  revoked++;
                }
              }
              cb.call(connected, "connected");
              cb.call(list.size() - connected - revoked, "disconnected");
              cb.call(revoked, "revoked");
            })
        .register(registry);
    GaugeWithCallback.builder()
        .name("lattice_mesh_max_lag_entries")
        .help(
            "The largest lag over connected peers and stores, in log entries: entries a peer lacks"
                + " (peer_lacks) or this node lacks (we_lack)")
        .labelNames("direction")
        .callback(
            cb -> {
              List<PeerStatus> list = peers();
              if (list == null) {
                return;
              }
              long peerLacks = 0;
              long weLack = 0;
              for (PeerStatus p : list) {
                if (!p.connected()) {
                  continue;
                }
                for (PeerStatus.StoreLag l : p.stores()) {
                  peerLacks = Math.max(peerLacks, l.peerLacks());
                  weLack = Math.max(weLack, l.weLack());
                }
              }
              cb.call(peerLacks, "peer_lacks");
              cb.call(weLack, "we_lack");
            })
        .register(registry);
    counter(
        registry,
        "lattice_mesh_fetched_blobs_total",
        "Blobs fetched from peers",
        stats,
        FetchStats::fetched);
    counter(
        registry,
        "lattice_mesh_fetched_bytes_total",
        "Bytes of the blobs fetched from peers",
        stats,
        FetchStats::fetchedBytes);
    counter(
        registry,
        "lattice_mesh_served_blobs_total",
        "Blobs sent to peers",
        stats,
        FetchStats::served);
    counter(
        registry,
        "lattice_mesh_served_bytes_total",
        "Bytes sent to peers",
        stats,
        FetchStats::servedBytes);
    counter(
        registry,
        "lattice_mesh_bad_bytes_total",
        "Answers from peers whose bytes did not match the blob asked for (the peer was demoted)",
        stats,
        FetchStats::badBytes);
    counter(
        registry,
        "lattice_mesh_fetch_raced_total",
        "Fetches also asked of a second peer because the first was slow",
        stats,
        FetchStats::raced);
    CounterWithCallback.builder()
        .name("lattice_mesh_fetch_failures_total")
        .help("Fetches from peers that got nothing: not_found (no peer had it) or error")
        .labelNames("reason")
        .callback(
            cb -> {
              FetchStats s = stats.get();
              cb.call(s.notFound().sum(), "not_found");
              cb.call(s.failed().sum(), "error");
            })
        .register(registry);
    CounterWithCallback.builder()
        .name("lattice_mesh_serve_refused_total")
        .help("Requests of peers refused: scope (in no store they may see) or busy")
        .labelNames("reason")
        .callback(
            cb -> {
              FetchStats s = stats.get();
              cb.call(s.refused().sum(), "scope");
              cb.call(s.busy().sum(), "busy");
            })
        .register(registry);
  }

  private static void counter(
      PrometheusRegistry registry,
      String name,
      String help,
      Supplier<FetchStats> stats,
      Function<FetchStats, LongAdder> field) {
    CounterWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(field.apply(stats.get()).sum()))
        .register(registry);
  }

  /** The peer list, read at most once per {@link #PEERS_MAX_AGE_NANOS}; null if unreadable. */
  private synchronized List<PeerStatus> peers() {
    long now = System.nanoTime();
    if (last == null || now - lastNanos > PEERS_MAX_AGE_NANOS) {
      try {
        last = source.peers();
        lastNanos = now;
      } catch (MeshException | RuntimeException e) {
        LOG.debug("no peer metrics in this scrape: {}", e.toString());
        return null;
      }
    }
    return last;
  }
}
