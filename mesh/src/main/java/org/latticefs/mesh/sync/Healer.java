package org.latticefs.mesh.sync;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.stream.Stream;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.KvException;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.LogHealing;
import org.latticefs.kv.store.StoreCatalog;
import org.latticefs.mesh.net.Session;
import org.latticefs.mesh.wire.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Heals the stores this node refused as damaged from its peers, and answers peers that heal theirs.
 * When a peer connects, each damaged store's first damaged author range is re-fetched from it: that
 * author's whole chain, one {@link Message.ChainPart} in flight at a time, each part checked by kv
 * ({@link LogHealing}: store, author, signature, chain link) as it arrives; once the chain reaches
 * past the damage kv puts it in place, the store opens and {@code healed} runs (log sync then takes
 * the store up). A peer that holds too little, sends a bad entry or disconnects leaves the store
 * damaged and the partial chain deleted; the next connection tries again. Entries of a store this
 * node does not sync are never sent.
 *
 * <p>Thread-safe: every message is handled on {@code pool}; the healings are guarded by this.
 */
public final class Healer {
  private static final Logger LOG = LoggerFactory.getLogger(Healer.class);

  /**
   * The handshake capability of nodes that speak {@link Message.ChainRequest}/{@code ChainPart}.
   */
  public static final String CAPABILITY = "heal/1";

  private final StoreCatalog catalog;
  private final SyncLimits limits;
  private final Executor pool;
  private final Runnable healed;
  private final Map<UUID, Job> jobs = new HashMap<>();

  private record Job(LogHealing healing, Session from) {}

  public Healer(StoreCatalog catalog, SyncLimits limits, Executor pool, Runnable healed) {
    this.catalog = catalog;
    this.limits = limits;
    this.pool = pool;
    this.healed = healed;
  }

  /** A peer is admitted: heal what is damaged from it. */
  public void up(Session s) {
    run(() -> start(s));
  }

  /** A session closed: the healings fed by it are abandoned. */
  public void down(Session s) {
    try {
      pool.execute(() -> abandon(s));
    } catch (RejectedExecutionException e) {
      abandon(s); // shutting down: the partial chains are still deleted
    }
  }

  /** Whether {@code m} is a healing message (then {@link #received} takes it). */
  public static boolean handles(Message m) {
    return m instanceof Message.ChainRequest || m instanceof Message.ChainPart;
  }

  /** A {@link Message.ChainRequest} or {@link Message.ChainPart} from an admitted peer. */
  public void received(Session s, Message m) {
    if (m instanceof Message.ChainRequest r) {
      run(() -> serve(s, r));
    } else if (m instanceof Message.ChainPart p) {
      run(() -> take(s, p));
    }
  }

  private void run(Runnable task) {
    try {
      pool.execute(task);
    } catch (RejectedExecutionException e) {
      LOG.debug("shutting down: {} not handled", task);
    }
  }

  private synchronized void start(Session s) {
    for (StoreDamage d : catalog.damaged()) {
      UUID id = d.storeId();
      if (jobs.containsKey(id) || !s.isOpen() || !s.capabilities().contains(CAPABILITY)) {
        continue;
      }
      Optional<LogHealing> h;
      try {
        h = catalog.startHealing(id);
      } catch (KvException e) {
        LOG.warn("cannot start healing store {}: {}", id, e.getMessage());
        continue;
      }
      if (h.isEmpty()) {
        continue;
      }
      jobs.put(id, new Job(h.get(), s));
      LOG.warn(
          "store {} is damaged ({}); fetching {}'s entries again from {}",
          id,
          d.reason(),
          h.get().author(),
          s.describe());
      s.send(new Message.ChainRequest(id, h.get().author(), 0));
    }
  }

  private synchronized void abandon(Session s) {
    jobs.values()
        .removeIf(
            j -> {
              if (j.from() != s) {
                return false;
              }
              LOG.info(
                  "healing store {} stopped: {} went away", j.healing().storeId(), s.describe());
              j.healing().close();
              return true;
            });
  }

  private synchronized void take(Session s, Message.ChainPart p) {
    Job j = jobs.get(p.store());
    if (j == null || j.from() != s || !p.author().equals(j.healing().author())) {
      return; // not asked for (any more)
    }
    LogHealing h = j.healing();
    try {
      List<SignedEntry> batch = new ArrayList<>(p.entries().size());
      for (byte[] wire : p.entries()) {
        batch.add(SignedEntry.fromWire(wire));
      }
      h.add(batch);
      if (!p.end() && !batch.isEmpty()) {
        s.send(new Message.ChainRequest(p.store(), h.author(), h.seq()));
        return;
      }
      jobs.remove(p.store());
      if (!h.complete()) {
        LOG.warn(
            "{} holds {}'s entries of store {} only up to {}: the store stays damaged",
            s.describe(),
            h.author(),
            p.store(),
            h.seq());
        h.close();
        return;
      }
      catalog.finishHealing(h);
      LOG.warn("store {} healed from {}", p.store(), s.describe());
      healed.run();
    } catch (DamagedStoreException e) {
      // Healed this range; another author's log is damaged too: that one next.
      LOG.warn("store {} is still damaged: {}", p.store(), e.getMessage());
      start(s);
    } catch (KvException e) {
      jobs.remove(p.store());
      h.close();
      LOG.warn(
          "healing store {} from {} failed: {}; the store stays damaged",
          p.store(),
          s.describe(),
          e.getMessage());
    }
  }

  /** Answers with the next entries of the chain, at most one sync batch's worth. */
  private void serve(Session s, Message.ChainRequest r) {
    List<byte[]> out = new ArrayList<>();
    boolean end = true;
    try (Stream<SignedEntry> chain =
        catalog.replica(r.store()).entriesAfter(r.author(), r.afterSeq())) {
      long bytes = 0;
      for (Iterator<SignedEntry> it = chain.iterator(); it.hasNext(); ) {
        if (out.size() >= limits.batchEntries() || bytes >= limits.batchBytes()) {
          end = false;
          break;
        }
        byte[] wire = it.next().toWire();
        out.add(wire);
        bytes += wire.length;
      }
    } catch (KvException e) {
      // Not a store this node syncs (or damaged here too): nothing to give.
      LOG.debug("chain request from {} for store {}: {}", s.describe(), r.store(), e.getMessage());
      out.clear();
      end = true;
    }
    s.send(new Message.ChainPart(r.store(), r.author(), out, end));
  }
}
