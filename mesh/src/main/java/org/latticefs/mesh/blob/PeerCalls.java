package org.latticefs.mesh.blob;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's open blob requests on one connection: numbers them, assembles each answer's parts,
 * and hands the outcome (the bytes, unverified, or why there are none) to the caller's sink. At
 * most {@link BlobLimits#inFlightPerPeer} requests are open at once.
 *
 * <p>A part that does not follow the previous one (a gap, another total, more than the total) ends
 * its request as {@link Outcome.Broken}; the peer's other requests go on. Memory per request grows
 * with the bytes actually received, up to the protocol's largest blob.
 *
 * <p>Thread-safe: {@link #received} and {@link #down} run on the session's event loop, {@link
 * #start} and {@link #cancel} on the fetching threads.
 */
final class PeerCalls implements BlobPeer {
  private static final Logger LOG = LoggerFactory.getLogger(PeerCalls.class);

  private final class Call {
    final long id;
    final BlobRef ref;
    final Consumer<Outcome> sink;
    byte[] buf = new byte[0];
    int total = -1;
    int received;

    Call(long id, BlobRef ref, Consumer<Outcome> sink) {
      this.id = id;
      this.ref = ref;
      this.sink = sink;
    }
  }

  private final Session session;
  private final Semaphore slots;
  private final AtomicLong ids = new AtomicLong();
  private final Map<Long, Call> open = new ConcurrentHashMap<>();

  PeerCalls(Session session, BlobLimits limits) {
    this.session = session;
    this.slots = new Semaphore(limits.inFlightPerPeer());
  }

  @Override
  public NodeId peer() {
    return session.peer();
  }

  @Override
  public String describe() {
    return session.describe();
  }

  /** As {@link BlobPeer#start}; the outcome arrives on the session's event loop. */
  @Override
  public long start(BlobRef ref, Consumer<Outcome> sink, long waitNanos)
      throws InterruptedException {
    if (!session.isOpen() || !slots.tryAcquire(waitNanos, TimeUnit.NANOSECONDS)) {
      return -1;
    }
    long id = ids.incrementAndGet();
    open.put(id, new Call(id, ref, sink));
    session.send(new Message.BlobRequest(id, ref));
    if (!session.isOpen()) {
      end(id, new Outcome.Broken("the connection closed"));
    }
    return id;
  }

  @Override
  public void cancel(long id) {
    if (open.remove(id) != null) {
      slots.release();
      if (session.isOpen()) {
        session.send(new Message.BlobCancel(id));
      }
    }
  }

  /** A blob message from the peer. */
  void received(Message m) {
    if (m instanceof Message.BlobMissing b) {
      end(b.id(), new Outcome.Missing(b.reason()));
    } else if (m instanceof Message.BlobPart p) {
      Call c = open.get(p.id());
      if (c == null) {
        return; // cancelled, or the peer answers what was never asked: ignored
      }
      if (c.total < 0) {
        c.total = p.total();
      }
      if (p.total() != c.total || p.offset() != c.received) {
        LOG.warn(
            "{} sent part {} of request {} after {} of {} bytes",
            session.describe(),
            p,
            p.id(),
            c.received,
            c.total);
        end(p.id(), new Outcome.Broken("parts out of order"));
        return;
      }
      int need = c.received + p.length();
      if (need > c.buf.length) {
        c.buf = Arrays.copyOf(c.buf, (int) Math.min(c.total, Math.max(need, 2L * c.buf.length)));
      }
      p.copyTo(c.buf, c.received);
      c.received = need;
      if (c.received == c.total) {
        byte[] bytes = c.buf.length == c.total ? c.buf : Arrays.copyOf(c.buf, c.total);
        end(p.id(), new Outcome.Bytes(bytes));
      }
    }
  }

  /** The connection closed: every open request ends broken. */
  void down() {
    for (Long id : open.keySet()) {
      end(id, new Outcome.Broken("the connection with " + session.describe() + " closed"));
    }
  }

  private void end(long id, Outcome o) {
    Call c = open.remove(id);
    if (c != null) {
      slots.release();
      c.sink.accept(o);
    }
  }
}
