package org.latticefs.mesh.blob;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStatter;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.Message;
import org.latticefs.mesh.wire.MessageCodec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves this node's blobs to peers: queues each peer's requests, and one thread answers them
 * round-robin across peers, a turn per request.
 *
 * <h2>Limits</h2>
 *
 * <ul>
 *   <li>Scope: a blob goes only to a peer its {@link ServeScope} allows (else {@code REFUSED}).
 *   <li>Memory: a turn reads at most {@value #TURN_BYTES} bytes (a whole blob up to that size, else
 *       one slice of it, verified by the local store) and a peer's connection gets a turn only
 *       while it is writable (Netty's high-water mark), so at most about 1 MiB plus one turn is
 *       buffered per connection.
 *   <li>Fairness: peers with work take turns; a peer with more than {@link
 *       BlobLimits#queuedPerPeer} requests queued is answered {@code BUSY}.
 *   <li>Upload: {@link BlobLimits#maxRate} caps the bytes sent to all peers together.
 * </ul>
 *
 * <p>Thread-safe: the mesh's event loops call {@link #request}, {@link #cancel}, {@link #writable}
 * and {@link #down}; they never block.
 */
final class BlobServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BlobServer.class);
  static final int TURN_BYTES = 1 << 20;

  private final BlobFetcher local;
  private final BlobStatter statter;
  private final ServeScope scope;
  private final BlobLimits limits;
  private final FetchStats stats;
  private final UploadRate rate;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition work = lock.newCondition();
  private final Map<Session, ArrayDeque<Job>> queues = new LinkedHashMap<>();
  private final Thread thread;
  private volatile boolean closed;

  /** One request being answered: {@code total} is -1 until the scope and the size are checked. */
  private static final class Job {
    final long id;
    final BlobRef ref;
    int total = -1;
    int offset;

    Job(long id, BlobRef ref) {
      this.id = id;
      this.ref = ref;
    }
  }

  BlobServer(
      BlobFetcher local,
      BlobStatter statter,
      ServeScope scope,
      BlobLimits limits,
      FetchStats stats,
      String name) {
    this.local = local;
    this.statter = statter;
    this.scope = scope;
    this.limits = limits;
    this.stats = stats;
    this.rate = new UploadRate(limits.maxRate());
    this.thread = new Thread(this::run, "mesh-blob-server-" + name);
    thread.setDaemon(true);
    thread.start();
  }

  /** Queues {@code r} from {@code s}'s peer (or answers busy at once). */
  void request(Session s, Message.BlobRequest r) {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      ArrayDeque<Job> q = queues.computeIfAbsent(s, k -> new ArrayDeque<>());
      if (q.size() >= limits.queuedPerPeer()) {
        stats.busy().increment();
        s.send(new Message.BlobMissing(r.id(), Message.BlobMissing.BUSY));
        return;
      }
      q.add(new Job(r.id(), r.ref()));
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** Drops request {@code id} of {@code s}'s peer if it is still queued or being sent. */
  void cancel(Session s, long id) {
    lock.lock();
    try {
      ArrayDeque<Job> q = queues.get(s);
      if (q != null) {
        q.removeIf(j -> j.id == id);
      }
    } finally {
      lock.unlock();
    }
  }

  /** {@code s} may be writable again: wakes the server. */
  void writable(Session s) {
    lock.lock();
    try {
      work.signal();
    } finally {
      lock.unlock();
    }
  }

  /** {@code s} closed: its queue is dropped. */
  void down(Session s) {
    lock.lock();
    try {
      queues.remove(s);
    } finally {
      lock.unlock();
    }
  }

  private void run() {
    while (!closed) {
      Turn t;
      try {
        t = next();
      } catch (InterruptedException e) {
        return;
      }
      if (t == null) {
        continue;
      }
      try {
        serve(t.session, t.job);
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        LOG.error("serving {} to {} failed", t.job.ref, t.session.describe(), e);
        finish(t, Message.BlobMissing.FAILED);
      }
    }
  }

  private record Turn(Session session, Job job) {}

  /**
   * The next peer's first job, rotating: the peer served goes to the back of the order. Waits while
   * no writable peer has work (or returns null after a while, to check for close).
   */
  private Turn next() throws InterruptedException {
    lock.lock();
    try {
      Iterator<Map.Entry<Session, ArrayDeque<Job>>> it = queues.entrySet().iterator();
      while (it.hasNext()) {
        Map.Entry<Session, ArrayDeque<Job>> e = it.next();
        Session s = e.getKey();
        if (!s.isOpen() || e.getValue().isEmpty()) {
          it.remove();
          continue;
        }
        if (!s.isWritable()) {
          continue;
        }
        ArrayDeque<Job> q = e.getValue();
        it.remove();
        queues.put(s, q); // to the back: the next turn is another peer's
        return new Turn(s, q.peekFirst());
      }
      work.await(100, TimeUnit.MILLISECONDS);
      return null;
    } finally {
      lock.unlock();
    }
  }

  /** One turn of {@code job}: checks it first, then sends up to {@link #TURN_BYTES}. */
  private void serve(Session s, Job job) throws InterruptedException {
    if (job.total < 0) {
      Optional<BlobInfo> info;
      try {
        if (!scope.mayServe(s.peer(), job.ref)) {
          stats.refused().increment();
          LOG.info("refused {} to {}: not in a store it may see", job.ref, s.describe());
          finish(s, job, Message.BlobMissing.REFUSED);
          return;
        }
        info = statter.stat(job.ref);
      } catch (IOException e) {
        LOG.warn(
            "cannot decide whether to serve {} to {}: {}", job.ref, s.describe(), e.toString());
        finish(s, job, Message.BlobMissing.FAILED);
        return;
      }
      if (info.isEmpty()) {
        finish(s, job, Message.BlobMissing.NOT_FOUND);
        return;
      }
      if (info.get().size() > MessageCodec.MAX_BLOB) {
        LOG.warn("{} is {} bytes, larger than a peer may take", job.ref, info.get().size());
        finish(s, job, Message.BlobMissing.FAILED);
        return;
      }
      job.total = (int) info.get().size();
    }
    byte[] bytes;
    int n = Math.min(TURN_BYTES, job.total - job.offset);
    try {
      bytes =
          job.total <= TURN_BYTES ? local.fetch(job.ref) : local.fetchRange(job.ref, job.offset, n);
    } catch (BlobNotFoundException e) {
      finish(s, job, Message.BlobMissing.NOT_FOUND);
      return;
    } catch (CorruptBlobException e) {
      LOG.warn("not serving {} to {}: the local copy is corrupt", job.ref, s.describe());
      finish(s, job, Message.BlobMissing.FAILED);
      return;
    } catch (IOException e) {
      LOG.warn("cannot read {} for {}: {}", job.ref, s.describe(), e.toString());
      finish(s, job, Message.BlobMissing.FAILED);
      return;
    }
    if (bytes.length != n) {
      LOG.warn(
          "{} changed size while served ({} bytes read, {} expected)", job.ref, bytes.length, n);
      finish(s, job, Message.BlobMissing.FAILED);
      return;
    }
    List<Message.BlobPart> parts = new ArrayList<>();
    int at = 0;
    do {
      int len = Math.min(MessageCodec.MAX_PART, n - at);
      byte[] part = at == 0 && len == n ? bytes : java.util.Arrays.copyOfRange(bytes, at, at + len);
      parts.add(new Message.BlobPart(job.id, job.total, job.offset + at, part));
      at += len;
    } while (at < n);
    rate.acquire(n);
    if (!stillQueued(s, job)) {
      return; // cancelled meanwhile
    }
    for (Message.BlobPart p : parts) {
      s.send(p);
    }
    stats.servedBytes().add(n);
    job.offset += n;
    if (job.offset == job.total) {
      stats.served().increment();
      remove(s, job);
    }
  }

  private boolean stillQueued(Session s, Job job) {
    lock.lock();
    try {
      ArrayDeque<Job> q = queues.get(s);
      return q != null && q.peekFirst() == job;
    } finally {
      lock.unlock();
    }
  }

  private void finish(Turn t, int reason) {
    finish(t.session, t.job, reason);
  }

  private void finish(Session s, Job job, int reason) {
    if (remove(s, job)) {
      s.send(new Message.BlobMissing(job.id, reason));
    }
  }

  private boolean remove(Session s, Job job) {
    lock.lock();
    try {
      ArrayDeque<Job> q = queues.get(s);
      return q != null && q.remove(job);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void close() {
    closed = true;
    thread.interrupt();
    try {
      thread.join(5_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    lock.lock();
    try {
      queues.clear();
    } finally {
      lock.unlock();
    }
  }
}
