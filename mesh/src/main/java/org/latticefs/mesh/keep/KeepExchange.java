package org.latticefs.mesh.keep;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Asks connected peers which blobs they hold and keep now ({@link #ask}) and answers theirs from
 * this node's {@link KeepScope}, over the sessions that state {@link #CAPABILITY}.
 *
 * <h2>Behaviour</h2>
 *
 * <ul>
 *   <li>A question about more than {@link Message.KeepQuery#MAX_REFS} refs goes as several queries.
 *   <li>An answer listing a ref that was not asked, or one twice, counts as no answer (the peer is
 *       logged): a peer cannot make this node believe in a copy it did not ask about.
 *   <li>Queries are answered one at a time on one thread ({@code lattice-keeps}); a peer with more
 *       than {@link #QUEUED_PER_PEER} queries waiting gets "undecided" for the next ones, and so
 *       does every peer before a scope is set ({@link #answerFrom}).
 *   <li>Not connected, timed out, undecided, or the connection closed: {@link #ask} throws, and the
 *       caller counts no copy.
 * </ul>
 *
 * <p>Thread-safe; the session callbacks return at once.
 */
public final class KeepExchange implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KeepExchange.class);

  /** The capability a peer states to take part. */
  public static final String CAPABILITY = "keeps/1";

  /** Most queries of one peer waiting for an answer here. */
  static final int QUEUED_PER_PEER = 4;

  private record Call(Set<BlobRef> asked, CompletableFuture<Set<BlobRef>> answer) {}

  private final class Peer {
    final Session session;
    final Map<Long, Call> open = new ConcurrentHashMap<>();
    final AtomicInteger queued = new AtomicInteger();

    Peer(Session session) {
      this.session = session;
    }
  }

  private final Map<NodeId, Peer> peers = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final ExecutorService answering =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "lattice-keeps");
            t.setDaemon(true);
            return t;
          });
  private volatile KeepScope scope;

  /** Whether {@code m} is a message of this exchange. */
  public static boolean handles(Message m) {
    return m instanceof Message.KeepQuery || m instanceof Message.KeepAnswer;
  }

  /** Answers peers' queries from {@code scope} from now on. */
  public void answerFrom(KeepScope scope) {
    this.scope = scope;
  }

  /**
   * The refs of {@code refs} that {@code peer} says, now, it holds and keeps.
   *
   * @throws IOException if {@code peer} is not connected (or does not take part), does not answer
   *     within {@code timeout}, cannot decide, or answers out of turn
   */
  public Set<BlobRef> ask(NodeId peer, Collection<BlobRef> refs, Duration timeout)
      throws IOException {
    Peer p = peers.get(peer);
    if (p == null || !p.session.isOpen()) {
      throw new IOException(peer + " is not connected (or does not answer for copies it keeps)");
    }
    List<BlobRef> all = new ArrayList<>(new LinkedHashSet<>(refs));
    long end = System.nanoTime() + timeout.toNanos();
    Set<BlobRef> kept = new HashSet<>();
    for (int from = 0; from < all.size(); from += Message.KeepQuery.MAX_REFS) {
      List<BlobRef> part =
          all.subList(from, Math.min(all.size(), from + Message.KeepQuery.MAX_REFS));
      kept.addAll(askOnce(p, part, end - System.nanoTime()));
    }
    return kept;
  }

  private Set<BlobRef> askOnce(Peer p, List<BlobRef> refs, long nanos) throws IOException {
    long id = ids.incrementAndGet();
    Call c = new Call(Set.copyOf(refs), new CompletableFuture<>());
    p.open.put(id, c);
    try {
      p.session.send(new Message.KeepQuery(id, refs));
      if (!p.session.isOpen()) {
        throw new IOException("the connection with " + p.session.describe() + " closed");
      }
      return c.answer.get(Math.max(0, nanos), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      throw new IOException(p.session.describe() + " did not say in time which copies it keeps");
    } catch (ExecutionException e) {
      throw new IOException(e.getCause().getMessage(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while asking " + p.session.describe(), e);
    } finally {
      p.open.remove(id);
    }
  }

  /** {@code s} is admitted: it takes part if both sides state the capability. */
  public void up(Session s) {
    if (s.capabilities().contains(CAPABILITY)) {
      peers.put(s.peer(), new Peer(s));
    }
  }

  /** A message of this exchange from {@code s}'s peer. */
  public void received(Session s, Message m) {
    Peer p = peers.get(s.peer());
    if (p == null || p.session != s) {
      return;
    }
    if (m instanceof Message.KeepQuery q) {
      query(p, q);
    } else if (m instanceof Message.KeepAnswer a) {
      Call c = p.open.get(a.id());
      if (c == null) {
        return; // timed out meanwhile, or never asked: ignored
      }
      if (!a.decided()) {
        c.answer.completeExceptionally(
            new IOException(s.describe() + " could not say now which copies it keeps"));
        return;
      }
      Set<BlobRef> kept = new HashSet<>(a.kept());
      if (kept.size() != a.kept().size() || !c.asked.containsAll(kept)) {
        LOG.warn("{} answered for copies it was not asked about: ignored", s.describe());
        c.answer.completeExceptionally(
            new IOException(s.describe() + " answered for copies it was not asked about"));
        return;
      }
      c.answer.complete(kept);
    }
  }

  private void query(Peer p, Message.KeepQuery q) {
    KeepScope current = scope;
    if (current == null || p.queued.incrementAndGet() > QUEUED_PER_PEER) {
      if (current != null) {
        p.queued.decrementAndGet();
      }
      p.session.send(new Message.KeepAnswer(q.id(), false, List.of()));
      return;
    }
    try {
      answering.execute(
          () -> {
            Message.KeepAnswer a;
            try {
              Set<BlobRef> kept = new HashSet<>(current.kept(p.session.peer(), q.refs()));
              kept.retainAll(new HashSet<>(q.refs()));
              a = new Message.KeepAnswer(q.id(), true, List.copyOf(kept));
            } catch (IOException | RuntimeException e) {
              LOG.warn("cannot say which copies this node keeps: {}", e.toString());
              a = new Message.KeepAnswer(q.id(), false, List.of());
            } finally {
              p.queued.decrementAndGet();
            }
            if (p.session.isOpen()) {
              p.session.send(a);
            }
          });
    } catch (RejectedExecutionException e) {
      p.queued.decrementAndGet(); // closing
    }
  }

  /** {@code s} closed: its open questions fail. */
  public void down(Session s) {
    if (s.peer() == null) {
      return;
    }
    Peer p = peers.get(s.peer());
    if (p == null || p.session != s || !peers.remove(s.peer(), p)) {
      return;
    }
    for (Call c : p.open.values()) {
      c.answer.completeExceptionally(
          new IOException("the connection with " + s.describe() + " closed"));
    }
  }

  @Override
  public void close() {
    answering.shutdownNow();
    peers.clear();
  }
}
