package org.latticefs.mesh.peer;

import java.time.Duration;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.HostPort;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node connected to its trusted peers: every second, each active peer without a
 * connection whose wait is over is dialed, its addresses one after the other; if none answers, the
 * next attempt waits as its {@link Backoff} says (jittered, exponential, at most {@code max}), so
 * peers that all come back at once cause no storm and a peer gone for long costs a few attempts a
 * minute. A connection resets its peer's backoff. Thread-safe.
 */
public final class Dialer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Dialer.class);
  private static final long TICK_MS = 1000;

  /** What the dialer works on. */
  public interface Target {
    /** Peers this node should be connected to (active, not itself). */
    Set<NodeId> peers();

    /** Where {@code peer} may be reached, best first. */
    List<HostPort> addresses(NodeId peer);

    /** Whether a connection with {@code peer} is up. */
    boolean connected(NodeId peer);

    /** Dials {@code peer} at {@code at}; completes when admitted or failed. */
    CompletableFuture<?> dial(NodeId peer, HostPort at);
  }

  private final Target target;
  private final ScheduledExecutorService timer;
  private final Duration base;
  private final Duration max;
  private final RandomGenerator random;
  private final InstantSource time;
  private final Map<NodeId, State> states = new HashMap<>();
  private ScheduledFuture<?> ticking;
  private boolean closed;

  private static final class State {
    final Backoff backoff;
    long nextAt;
    boolean dialing;
    int attempts;

    State(Backoff b) {
      this.backoff = b;
    }
  }

  public Dialer(
      Target target,
      ScheduledExecutorService timer,
      Duration base,
      Duration max,
      RandomGenerator random,
      InstantSource time) {
    this.target = target;
    this.timer = timer;
    this.base = base;
    this.max = max;
    this.random = random;
    this.time = time;
  }

  /** Starts ticking. */
  public synchronized void start() {
    ticking = timer.scheduleWithFixedDelay(this::tick, 0, TICK_MS, TimeUnit.MILLISECONDS);
  }

  /** Dials {@code peer} at the next tick, whatever its backoff says (a new address was found). */
  public synchronized void wake(NodeId peer) {
    State s = states.get(peer);
    if (s != null) {
      s.nextAt = 0;
    }
  }

  /** How many times {@code peer} was dialed since this dialer started. */
  public synchronized int attempts(NodeId peer) {
    State s = states.get(peer);
    return s == null ? 0 : s.attempts;
  }

  void tick() {
    try {
      Set<NodeId> peers = target.peers();
      long now = time.millis();
      synchronized (this) {
        if (closed) {
          return;
        }
        states.keySet().retainAll(peers);
        for (NodeId p : peers) {
          State s = states.computeIfAbsent(p, k -> new State(new Backoff(base, max, random)));
          if (target.connected(p)) {
            s.backoff.succeeded();
            s.nextAt = 0;
            continue;
          }
          if (s.dialing || now < s.nextAt) {
            continue;
          }
          List<HostPort> addrs = target.addresses(p);
          if (addrs.isEmpty()) {
            continue;
          }
          s.dialing = true;
          s.attempts++;
          attempt(p, s, addrs, 0);
        }
      }
    } catch (RuntimeException e) {
      LOG.error("the dialer failed", e);
    }
  }

  private void attempt(NodeId peer, State s, List<HostPort> addrs, int i) {
    target
        .dial(peer, addrs.get(i))
        .whenComplete(
            (ok, error) -> {
              synchronized (this) {
                if (error == null) {
                  s.dialing = false;
                  s.backoff.succeeded();
                  return;
                }
                LOG.debug("dialing {} at {}: {}", peer, addrs.get(i), error.getMessage());
                if (i + 1 < addrs.size() && !closed) {
                  attempt(peer, s, addrs, i + 1);
                  return;
                }
                s.dialing = false;
                Duration wait = s.backoff.failed();
                s.nextAt = time.millis() + wait.toMillis();
                LOG.debug(
                    "{} unreachable ({} failures); next try in {} ms",
                    peer,
                    s.backoff.failures(),
                    wait.toMillis());
              }
            });
  }

  @Override
  public synchronized void close() {
    closed = true;
    if (ticking != null) {
      ticking.cancel(false);
    }
  }
}
