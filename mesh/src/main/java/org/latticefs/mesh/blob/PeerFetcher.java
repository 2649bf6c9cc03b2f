package org.latticefs.mesh.blob;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fetches blobs from connected peers: the mesh's side of cas's fetch seam.
 *
 * <h2>Contract</h2>
 *
 * <ul>
 *   <li>Every blob returned hashed to the ref asked for; bytes that did not are never returned, and
 *       their sender is demoted (asked after every other peer for a while) and logged.
 *   <li>The connected peers that presence ({@link BlobHolders}) says hold the blob are asked first,
 *       then the other connected peers; within each group in {@link PeerScores} order, and a
 *       demoted peer after every other. One that has not answered within a few times its usual
 *       latency is raced by the next, and the first good answer wins (the others are cancelled). A
 *       peer that does not hold the blob, refuses, is busy or breaks off passes the request on.
 *   <li>A peer that said it does not hold (or will not serve) a blob is not asked for it again for
 *       {@link #MISS_MEMORY} ({@link RecentMisses}); while every connected peer said so, a fetch of
 *       that blob fails at once with {@link BlobNotFoundException}.
 *   <li>{@link BlobNotFoundException} when no peer is connected or every one said it has none;
 *       another {@link IOException} when some failed otherwise or the {@link BlobLimits#timeout}
 *       passed.
 *   <li>Concurrent fetches of one ref share one exchange (each caller gets its own array).
 * </ul>
 *
 * <p>Thread-safe; fetches block the calling thread, never an event loop.
 */
public final class PeerFetcher implements BlobFetcher {
  private static final Logger LOG = LoggerFactory.getLogger(PeerFetcher.class);

  /** How often one fetch looks again for connections that came up while it ran. */
  private static final int MAX_REFRESHES = 3;

  /** How long a peer's "not here" for a blob keeps this node from asking it again. */
  static final Duration MISS_MEMORY = Duration.ofSeconds(30);

  /** How many (peer, blob) misses are remembered at most. */
  static final int MISSES_KEPT = 65_536;

  private final Supplier<? extends List<? extends BlobPeer>> peers;
  private final BlobHolders holders;
  private final RecentMisses misses;
  private final PeerScores scores;
  private final BlobLimits limits;
  private final FetchStats stats;
  private final Map<BlobRef, CompletableFuture<byte[]>> inFlight = new ConcurrentHashMap<>();

  /**
   * Fetches from the peers {@code peers} lists at each call, those {@code holders} names first,
   * remembering misses in {@code misses}.
   */
  PeerFetcher(
      Supplier<? extends List<? extends BlobPeer>> peers,
      BlobHolders holders,
      RecentMisses misses,
      PeerScores scores,
      BlobLimits limits,
      FetchStats stats) {
    this.peers = peers;
    this.holders = holders;
    this.misses = misses;
    this.scores = scores;
    this.limits = limits;
    this.stats = stats;
  }

  @Override
  public byte[] fetch(BlobRef ref) throws IOException {
    CompletableFuture<byte[]> mine = new CompletableFuture<>();
    CompletableFuture<byte[]> running = inFlight.putIfAbsent(ref, mine);
    if (running != null) {
      return join(running).clone();
    }
    try {
      byte[] b = fetchFromPeers(ref);
      mine.complete(b);
      return b.clone();
    } catch (IOException | RuntimeException e) {
      mine.completeExceptionally(e);
      throw e;
    } finally {
      inFlight.remove(ref, mine);
    }
  }

  private static byte[] join(CompletableFuture<byte[]> f) throws IOException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while a peer fetch ran");
    } catch (ExecutionException e) {
      if (e.getCause() instanceof IOException io) {
        throw io;
      }
      throw new IOException("a peer fetch failed", e.getCause());
    }
  }

  private record Answer(BlobPeer from, long startedNanos, BlobPeer.Outcome outcome) {}

  private record Attempt(BlobPeer calls, long id) {}

  private byte[] fetchFromPeers(BlobRef ref) throws IOException {
    Set<NodeId> said = holdersOf(ref);
    Set<BlobPeer> tried = Collections.newSetFromMap(new IdentityHashMap<>());
    List<BlobPeer> order = new ArrayList<>(candidates(ref, said, tried));
    if (order.isEmpty()) {
      stats.notFound().increment();
      throw new BlobNotFoundException(ref);
    }
    long end = System.nanoTime() + limits.timeout().toNanos();
    BlockingQueue<Answer> answers = new LinkedBlockingQueue<>();
    List<Attempt> running = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    int next = 0;
    long raceAt = 0;
    int refreshes = 0;
    try {
      while (true) {
        long now = System.nanoTime();
        if (running.isEmpty() || (now - raceAt >= 0 && next < order.size())) {
          if (next >= order.size()
              && (refreshes++ >= MAX_REFRESHES || !refresh(ref, said, order, tried))) {
            break;
          }
          BlobPeer p = order.get(next++);
          tried.add(p);
          if (!running.isEmpty()) {
            stats.raced().increment();
            LOG.debug(
                "{} is slow with {}: asking {} too", running.get(0).calls.peer(), ref, p.peer());
          }
          long started = System.nanoTime();
          long id = p.start(ref, o -> answers.add(new Answer(p, started, o)), remaining(end));
          if (id < 0) {
            problems.add(p.peer() + ": no free request slot");
            continue;
          }
          running.add(new Attempt(p, id));
          raceAt = System.nanoTime() + scores.deadlineNanos(p.peer());
          continue;
        }
        long wait = next < order.size() ? Math.min(raceAt - now, end - now) : end - now;
        Answer a = answers.poll(Math.max(0, wait), TimeUnit.NANOSECONDS);
        if (a == null) {
          if (System.nanoTime() - end >= 0) {
            problems.add("no answer within " + limits.timeout().toSeconds() + " s");
            break;
          }
          continue;
        }
        running.removeIf(t -> t.calls == a.from);
        NodeId peer = a.from.peer();
        if (a.outcome instanceof BlobPeer.Outcome.Bytes b) {
          BlobRef actual = Blake3.hash(b.bytes());
          if (actual.equals(ref)) {
            scores.success(peer, System.nanoTime() - a.startedNanos);
            stats.fetched().increment();
            stats.fetchedBytes().add(b.bytes().length);
            return b.bytes();
          }
          stats.badBytes().increment();
          scores.demote(peer);
          LOG.warn(
              "{} sent {} bytes for {} that hash to {}: demoted for {} min",
              a.from.describe(),
              b.bytes().length,
              ref,
              actual,
              limits.demotion().toMinutes());
          problems.add(peer + ": wrong bytes");
        } else if (a.outcome instanceof BlobPeer.Outcome.Missing m) {
          // Refused reads as not found: a peer says nothing of blobs outside the scope.
          if (m.reason() == Message.BlobMissing.NOT_FOUND
              || m.reason() == Message.BlobMissing.REFUSED) {
            misses.missed(peer, ref);
          } else {
            problems.add(peer + ": " + reason(m.reason()));
          }
        } else if (a.outcome instanceof BlobPeer.Outcome.Broken br) {
          problems.add(peer + ": " + br.why());
        }
        raceAt = System.nanoTime(); // the next peer is asked at once
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while fetching " + ref + " from peers");
    } finally {
      for (Attempt t : running) {
        t.calls.cancel(t.id);
      }
    }
    if (problems.isEmpty()) {
      stats.notFound().increment();
      throw new BlobNotFoundException(ref);
    }
    stats.failed().increment();
    throw new IOException(
        "no peer returned a good copy of " + ref + " (" + String.join("; ", problems) + ")");
  }

  /**
   * The connected peers to ask for {@code ref}, in order: those {@code said} to hold it first; none
   * in {@code skip}, none that said lately it has no {@code ref}.
   */
  private List<BlobPeer> candidates(BlobRef ref, Set<NodeId> said, Set<BlobPeer> skip) {
    List<BlobPeer> fresh = new ArrayList<>();
    for (BlobPeer p : peers.get()) {
      if (!skip.contains(p) && !misses.recentlyMissed(p.peer(), ref)) {
        fresh.add(p);
      }
    }
    return scores.order(fresh, BlobPeer::peer, said::contains);
  }

  /** What presence says of {@code ref}; empty (every peer alike) if the lookup fails. */
  private Set<NodeId> holdersOf(BlobRef ref) {
    try {
      Set<NodeId> s = holders.holders(ref);
      return s == null ? Set.of() : s;
    } catch (RuntimeException e) {
      LOG.debug("no presence for {}: {}", ref, e.toString());
      return Set.of();
    }
  }

  /**
   * Adds to {@code order} the connections that came up since it was made (a peer that reconnected
   * while it was asked); whether there were any.
   */
  private boolean refresh(
      BlobRef ref, Set<NodeId> said, List<BlobPeer> order, Set<BlobPeer> tried) {
    boolean added = false;
    for (BlobPeer c : candidates(ref, said, tried)) {
      if (!order.contains(c)) {
        order.add(c);
        added = true;
      }
    }
    return added;
  }

  private static long remaining(long end) {
    return Math.max(0, end - System.nanoTime());
  }

  private static String reason(int code) {
    return switch (code) {
      case Message.BlobMissing.BUSY -> "busy";
      case Message.BlobMissing.FAILED -> "has no good copy";
      default -> "not found";
    };
  }

  @Override
  public String toString() {
    return "peers";
  }
}
