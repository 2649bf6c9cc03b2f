package org.latticefs.mesh.sync;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.MalformedEntryException;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.kv.sync.Replica;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The log sync of one store with one connected peer, both ways.
 *
 * <h2>Sending</h2>
 *
 * Each side starts with its {@link Message.Tips}. From the peer's tips on, this side sends what the
 * peer lacks, author by author from the peer's seq: batches of at most {@link
 * SyncLimits#batchEntries} entries and {@link SyncLimits#batchBytes} bytes, at most {@link
 * SyncLimits#window} unacknowledged, and only while the channel is writable (Netty's high-water
 * mark): entries are read from the log as they are sent, never queued. {@link #poke} (a local
 * append, an ack, the channel writable again) sends more. This node's own entries are sent only
 * once durable ({@link Replica#sync}). Authors with a fraud proof here are not relayed.
 *
 * <h2>Receiving</h2>
 *
 * Each {@link Message.Entries} is parsed, ingested (kv checks signatures, chains and the author's
 * authorization) and answered with an {@link Message.Ack} carrying this side's tips for its
 * authors. Entries rejected in a batch that applied others are tried once more right away (an entry
 * that made their author active may have been in the same batch).
 *
 * <h2>Gaps</h2>
 *
 * When every batch is acknowledged and the peer's tips show less than was sent (entries orphaned,
 * rejected, or lost with a reconnect), this side waits {@link SyncLimits#resyncDelay} (doubling
 * while nothing moves) and sends again from the peer's tips.
 *
 * <p>Thread-safe: messages arrive on the event loop and are handed to two serial executors (one for
 * ingest, one for sending), so this peer's ingest never waits for its sends.
 */
final class StoreLink {
  private static final Logger LOG = LoggerFactory.getLogger(StoreLink.class);

  /** What a link needs from the connection and the node. */
  interface Peer {
    NodeId id();

    boolean isWritable();

    void send(Message m);

    /** The peer broke the protocol: close the connection. */
    void protocolError(String what);

    /** A batch from the peer was ingested (reading may resume). */
    void ingested();

    /** This store learned a new fraud proof: pass it to every peer. */
    void newProof(UUID store, Equivocation proof);

    NodeId me();
  }

  private final UUID store;
  private final Replica replica;
  private final Peer peer;
  private final SyncLimits limits;
  private final SerialExecutor out;
  private final SerialExecutor in;
  private final ScheduledExecutorService timer;
  private final java.util.concurrent.Executor pool;

  // Guarded by this.
  private Map<NodeId, Message.Tip> theirs;
  private final Map<NodeId, Long> sent = new HashMap<>();
  private int inflight;
  private long nextBatch;
  private boolean pumpQueued;
  private boolean resyncScheduled;
  private long stallDelayMs;
  private boolean closed;
  private long sentEntries;
  private long receivedEntries;

  StoreLink(
      UUID store,
      Replica replica,
      Peer peer,
      SyncLimits limits,
      java.util.concurrent.Executor pool,
      ScheduledExecutorService timer) {
    this.store = store;
    this.replica = replica;
    this.peer = peer;
    this.limits = limits;
    this.out = new SerialExecutor(pool);
    this.in = new SerialExecutor(pool);
    this.timer = timer;
    this.pool = pool;
    this.stallDelayMs = limits.resyncDelay().toMillis();
  }

  UUID store() {
    return store;
  }

  /**
   * Sends this side's tips and fraud proofs; {@code pending} are the peer's tips if already known.
   */
  void start(Message.Tips pending) {
    out.execute(
        () -> {
          try {
            peer.send(new Message.Tips(store, tips(replica.syncState())));
            for (Equivocation p : replica.equivocations()) {
              peer.send(new Message.Proof(store, p.toBytes()));
            }
          } catch (KvException e) {
            LOG.warn(
                "store {}: cannot read the sync state for {}: {}",
                store,
                peer.id(),
                e.getMessage());
          }
        });
    if (pending != null) {
      onTips(pending);
    }
  }

  private static List<Message.Tip> tips(Map<NodeId, ChainTip> state) {
    List<Message.Tip> out = new ArrayList<>(state.size());
    state.forEach((a, t) -> out.add(new Message.Tip(a, t.seq(), t.hash(), t.hlc())));
    return out;
  }

  /** The peer's sync state (also a request to resend from it). */
  void onTips(Message.Tips t) {
    synchronized (this) {
      theirs = new HashMap<>();
      for (Message.Tip tip : t.tips()) {
        theirs.put(tip.author(), tip);
      }
      sent.clear();
    }
    out.execute(this::checkDivergence);
    poke();
  }

  /**
   * Where the peer's tip for an author is an entry this side holds with another hash, the author
   * signed two entries with one seq: send ours so the peer finds the equivocation (and records it).
   */
  private void checkDivergence() {
    Map<NodeId, Message.Tip> snapshot;
    synchronized (this) {
      snapshot = theirs == null ? Map.of() : Map.copyOf(theirs);
    }
    try {
      Map<NodeId, ChainTip> local = replica.syncState();
      for (Message.Tip t : snapshot.values()) {
        ChainTip mine = local.get(t.author());
        if (mine == null || mine.seq() < t.seq()) {
          continue;
        }
        SignedEntry ours;
        try (Stream<SignedEntry> s = replica.entriesAfter(t.author(), t.seq() - 1)) {
          ours = s.findFirst().orElse(null);
        }
        if (ours != null && !ours.hash().equals(t.hash())) {
          LOG.warn(
              "store {}: {} holds another entry {} of {} than this node: sending ours",
              store,
              peer.id(),
              t.seq(),
              t.author());
          send(List.of(ours), Map.of());
        }
      }
    } catch (KvException | UncheckedIOException e) {
      LOG.warn("store {}: comparing tips with {} failed: {}", store, peer.id(), e.getMessage());
    }
  }

  /** Entries may be waiting for the peer: send what the window allows. */
  void poke() {
    synchronized (this) {
      if (pumpQueued || closed) {
        return;
      }
      pumpQueued = true;
    }
    out.execute(this::pump);
  }

  private void pump() {
    synchronized (this) {
      pumpQueued = false;
      if (closed || theirs == null) {
        return;
      }
    }
    try {
      Map<NodeId, ChainTip> local = replica.syncState();
      Set<NodeId> refused = new HashSet<>();
      for (Equivocation p : replica.equivocations()) {
        refused.add(p.author());
      }
      boolean durable = false;
      while (true) {
        synchronized (this) {
          if (closed || inflight >= limits.window() || !peer.isWritable()) {
            return;
          }
        }
        List<SignedEntry> batch = new ArrayList<>();
        Map<NodeId, Long> last = new HashMap<>();
        long bytes = 0;
        for (Map.Entry<NodeId, ChainTip> e : local.entrySet()) {
          NodeId author = e.getKey();
          if (refused.contains(author)) {
            continue;
          }
          long have = sentOrKnown(author);
          long mine = e.getValue().seq();
          if (mine <= have) {
            continue;
          }
          if (author.equals(peer.me()) && !durable) {
            replica.sync();
            durable = true;
          }
          try (Stream<SignedEntry> s = replica.entriesAfter(author, have)) {
            for (SignedEntry se : (Iterable<SignedEntry>) s.limit(mine - have)::iterator) {
              if (!batch.isEmpty()
                  && (batch.size() >= limits.batchEntries()
                      || bytes + se.wireLength() > limits.batchBytes())) {
                break;
              }
              batch.add(se);
              bytes += se.wireLength();
              last.put(author, se.entry().seq());
            }
          }
          if (batch.size() >= limits.batchEntries() || bytes >= limits.batchBytes()) {
            break;
          }
        }
        if (batch.isEmpty()) {
          return;
        }
        send(batch, last);
      }
    } catch (KvException | UncheckedIOException e) {
      LOG.warn("store {}: sending to {} failed: {}", store, peer.id(), e.getMessage());
    }
  }

  private synchronized long sentOrKnown(NodeId author) {
    Long s = sent.get(author);
    if (s != null) {
      return s;
    }
    Message.Tip t = theirs.get(author);
    return t == null ? 0 : t.seq();
  }

  private void send(List<SignedEntry> batch, Map<NodeId, Long> last) {
    List<byte[]> wires = new ArrayList<>(batch.size());
    for (SignedEntry se : batch) {
      wires.add(se.toWire());
    }
    long id;
    synchronized (this) {
      id = ++nextBatch;
      inflight++;
      sent.putAll(last);
      sentEntries += batch.size();
    }
    peer.send(new Message.Entries(store, id, wires));
  }

  /** The peer acknowledged a batch. */
  void onAck(Message.Ack a) {
    boolean stalled = false;
    synchronized (this) {
      if (inflight > 0) {
        inflight--;
      }
      boolean progress = false;
      for (Message.Tip t : a.tips()) {
        Message.Tip old = theirs == null ? null : theirs.get(t.author());
        if (theirs != null && (old == null || old.seq() < t.seq())) {
          theirs.put(t.author(), t);
          progress = true;
        }
      }
      if (progress) {
        stallDelayMs = limits.resyncDelay().toMillis();
      }
      if (inflight == 0 && theirs != null) {
        for (Map.Entry<NodeId, Long> s : sent.entrySet()) {
          Message.Tip t = theirs.get(s.getKey());
          if (s.getValue() > (t == null ? 0 : t.seq())) {
            stalled = true;
            break;
          }
        }
      }
      if (stalled && !resyncScheduled) {
        resyncScheduled = true;
        long delay = stallDelayMs;
        stallDelayMs = Math.min(stallDelayMs * 2, limits.maxResyncDelay().toMillis());
        timer.schedule(this::resync, delay, TimeUnit.MILLISECONDS);
      }
    }
    poke();
  }

  /** Sends again from the peer's known tips what it did not take. */
  private void resync() {
    synchronized (this) {
      resyncScheduled = false;
      if (closed || theirs == null) {
        return;
      }
      sent.clear();
    }
    poke();
  }

  /** A batch of entries from the peer: ingested in order on this link's ingest executor. */
  void onEntries(Message.Entries m) {
    in.execute(() -> ingest(m));
  }

  private void ingest(Message.Entries m) {
    List<SignedEntry> entries = new ArrayList<>(m.entries().size());
    for (byte[] wire : m.entries()) {
      try {
        entries.add(SignedEntry.fromWire(wire));
      } catch (MalformedEntryException e) {
        peer.protocolError("a malformed entry in store " + store + ": " + e.getMessage());
        peer.ingested();
        return;
      }
    }
    try {
      int proofsBefore = replica.equivocations().size();
      // Returns once the signatures are checked and the batch is queued for the writer: the next
      // batch's signatures are checked while this one is appended and applied.
      replica
          .ingestAsync(entries)
          .whenCompleteAsync(
              (outcomes, error) -> finish(m, entries, proofsBefore, outcomes, error), pool);
    } catch (KvException | RuntimeException e) {
      finish(m, entries, 0, null, e);
    }
  }

  /** After a batch was applied: retry what an earlier entry of it unlocked, pass on proofs, ack. */
  private void finish(
      Message.Entries m,
      List<SignedEntry> entries,
      int proofsBefore,
      List<IngestOutcome> outcomes,
      Throwable error) {
    try {
      if (error != null) {
        LOG.warn("store {}: ingesting from {} failed: {}", store, peer.id(), error.toString());
        peer.send(new Message.Ack(store, m.batch(), List.of()));
        return;
      }
      List<SignedEntry> again = new ArrayList<>();
      boolean applied = false;
      for (int i = 0; i < outcomes.size(); i++) {
        if (outcomes.get(i) instanceof IngestOutcome.Rejected) {
          again.add(entries.get(i));
        } else if (outcomes.get(i) instanceof IngestOutcome.Applied) {
          applied = true;
        }
      }
      List<IngestOutcome> second = applied && !again.isEmpty() ? replica.ingest(again) : List.of();
      report(entries, outcomes, again, second);
      List<Equivocation> proofs = replica.equivocations();
      for (int i = proofsBefore; i < proofs.size(); i++) {
        peer.newProof(store, proofs.get(i));
      }
      Map<NodeId, ChainTip> now = replica.syncState();
      List<Message.Tip> acked = new ArrayList<>();
      Set<NodeId> authors = new HashSet<>();
      for (SignedEntry e : entries) {
        authors.add(e.entry().author());
      }
      synchronized (this) {
        receivedEntries += entries.size();
        for (NodeId a : authors) {
          ChainTip t = now.get(a);
          if (t != null) {
            Message.Tip tip = new Message.Tip(a, t.seq(), t.hash(), t.hlc());
            acked.add(tip);
            // The peer sent these: it has them; never send them back.
            if (theirs != null) {
              Message.Tip old = theirs.get(a);
              if (old == null || old.seq() < t.seq()) {
                theirs.put(a, tip);
              }
            }
          }
        }
      }
      peer.send(new Message.Ack(store, m.batch(), acked));
    } catch (KvException | UncheckedIOException e) {
      LOG.warn("store {}: ingesting from {} failed: {}", store, peer.id(), e.getMessage());
      peer.send(new Message.Ack(store, m.batch(), List.of()));
    } finally {
      peer.ingested();
    }
  }

  private void report(
      List<SignedEntry> entries,
      List<IngestOutcome> outcomes,
      List<SignedEntry> again,
      List<IngestOutcome> second) {
    int rejected = 0;
    String reason = null;
    List<IngestOutcome> finals = new ArrayList<>(outcomes);
    if (!second.isEmpty()) {
      int k = 0;
      for (int i = 0; i < finals.size(); i++) {
        if (finals.get(i) instanceof IngestOutcome.Rejected) {
          finals.set(i, second.get(k++));
        }
      }
    }
    for (IngestOutcome o : finals) {
      if (o instanceof IngestOutcome.Rejected r) {
        rejected++;
        if (reason == null) {
          reason = r.reason();
        }
      }
    }
    if (rejected > 0) {
      LOG.info(
          "store {}: {} of {} entries from {} rejected (first: {})",
          store,
          rejected,
          entries.size(),
          peer.id(),
          reason);
    }
  }

  /** A fraud proof from the peer: checked, kept, passed on if new. */
  void onProof(Message.Proof p) {
    in.execute(
        () -> {
          Equivocation proof;
          try {
            proof = Equivocation.parse(p.proof());
          } catch (KvException e) {
            peer.protocolError("an invalid fraud proof for store " + store + ": " + e.getMessage());
            return;
          }
          try {
            if (replica.ingestProof(proof)) {
              LOG.warn(
                  "store {}: {} showed that {} equivocated at seq {}; refusing that author",
                  store,
                  peer.id(),
                  proof.author(),
                  proof.seq());
              peer.newProof(store, proof);
            }
          } catch (KvException e) {
            peer.protocolError(
                "a fraud proof for store " + store + " that does not hold: " + e.getMessage());
          }
        });
  }

  /** Sends a proof this node learned. */
  void sendProof(Equivocation proof) {
    out.execute(() -> peer.send(new Message.Proof(store, proof.toBytes())));
  }

  /**
   * Entries this side holds that the peer lacks, and the reverse, as far as the peer's last tips
   * say (-1, -1 before its first tips).
   */
  long[] lag() throws KvException {
    Map<NodeId, Message.Tip> t;
    synchronized (this) {
      if (theirs == null) {
        return new long[] {-1, -1};
      }
      t = Map.copyOf(theirs);
    }
    Map<NodeId, ChainTip> local = replica.syncState();
    long theyLack = 0;
    long weLack = 0;
    for (Map.Entry<NodeId, ChainTip> e : local.entrySet()) {
      Message.Tip tip = t.get(e.getKey());
      theyLack += Math.max(0, e.getValue().seq() - (tip == null ? 0 : tip.seq()));
    }
    for (Message.Tip tip : t.values()) {
      ChainTip mine = local.get(tip.author());
      weLack += Math.max(0, tip.seq() - (mine == null ? 0 : mine.seq()));
    }
    return new long[] {theyLack, weLack};
  }

  synchronized long sentEntries() {
    return sentEntries;
  }

  synchronized long receivedEntries() {
    return receivedEntries;
  }

  /** Stops sending; ingests already queued finish. */
  synchronized void close() {
    closed = true;
  }
}
