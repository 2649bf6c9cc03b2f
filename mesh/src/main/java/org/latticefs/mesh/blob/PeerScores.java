package org.latticefs.mesh.blob;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import org.latticefs.kv.NodeId;

/**
 * What this node learned about each peer as a blob source: its usual latency (a moving average of
 * the time to a whole verified blob) and whether it is demoted (it sent bytes that were not the
 * blob asked for). Orders the peers to ask and says how long to wait before racing one.
 *
 * <p>Thread-safe. Time comes from {@code nanos} (tests pass their own).
 */
final class PeerScores {
  private static final double WEIGHT = 0.2;
  private static final int RACE_FACTOR = 4;

  private record Score(double latencyNanos, long demotedUntilNanos) {}

  private final Map<NodeId, Score> scores = new ConcurrentHashMap<>();
  private final BlobLimits limits;
  private final LongSupplier nanos;

  PeerScores(BlobLimits limits, LongSupplier nanos) {
    this.limits = limits;
    this.nanos = nanos;
  }

  /** A blob came whole and good from {@code peer} after {@code tookNanos}. */
  void success(NodeId peer, long tookNanos) {
    scores.compute(
        peer,
        (k, s) ->
            s == null || s.latencyNanos < 0
                ? new Score(tookNanos, s == null ? 0 : s.demotedUntilNanos)
                : new Score(
                    s.latencyNanos * (1 - WEIGHT) + tookNanos * WEIGHT, s.demotedUntilNanos));
  }

  /** {@code peer} sent bad bytes: asked after every other peer for the demotion time. */
  void demote(NodeId peer) {
    long until = nanos.getAsLong() + limits.demotion().toNanos();
    scores.compute(peer, (k, s) -> new Score(s == null ? -1 : s.latencyNanos, until));
  }

  /** Whether {@code peer} is demoted now. */
  boolean demoted(NodeId peer) {
    Score s = scores.get(peer);
    return s != null && s.demotedUntilNanos - nanos.getAsLong() > 0;
  }

  /**
   * How long to wait for {@code peer} before asking another too: a few times its usual latency, at
   * least the configured minimum; the first deadline while its latency is not known.
   */
  long deadlineNanos(NodeId peer) {
    Score s = scores.get(peer);
    if (s == null || s.latencyNanos < 0) {
      return limits.firstDeadline().toNanos();
    }
    return Math.max(limits.minDeadline().toNanos(), (long) (s.latencyNanos * RACE_FACTOR));
  }

  /**
   * {@code peers} in the order to ask them: not demoted first, then the {@code preferred} (those
   * presence says hold the blob), then the faster first.
   */
  <T> List<T> order(
      List<T> peers,
      java.util.function.Function<T, NodeId> id,
      java.util.function.Predicate<NodeId> preferred) {
    return peers.stream()
        .sorted(
            Comparator.<T, Boolean>comparing(p -> demoted(id.apply(p)))
                .thenComparing(p -> !preferred.test(id.apply(p)))
                .thenComparingDouble(
                    p -> {
                      Score s = scores.get(id.apply(p));
                      return s == null || s.latencyNanos < 0 ? Double.MAX_VALUE : s.latencyNanos;
                    }))
        .toList();
  }

  /** For logs: the usual latency of {@code peer} in milliseconds, or -1 if not known. */
  double latencyMillis(NodeId peer) {
    Score s = scores.get(peer);
    return s == null || s.latencyNanos < 0 ? -1 : s.latencyNanos / 1e6;
  }

  static Duration of(long nanos) {
    return Duration.ofNanos(nanos);
  }
}
