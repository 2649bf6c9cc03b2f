package org.latticefs.kv.store;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.state.KeyChange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns a store's local commits into entries of this node's chain. All commits waiting when the
 * writer gets to them become consecutive entries written with one log append (one fsync) and
 * applied in one state transaction.
 *
 * <p>A batch made only of {@link Durability#PROCESS_CRASH} commits is appended without an fsync;
 * the writer then syncs the local log at the latest {@link StoreSettings#syncDelay()} later, unless
 * a {@link Durability#DISK} commit, {@link #sync()} or the store's close did it first (an fsync of
 * the log covers every frame written before it).
 *
 * <p>A commit that fails before or in the log append has not happened (an append is all or
 * nothing). One that fails after it, in the state update, is reported as failed although its entry
 * is durable: the state is marked behind and applies it at the next write or open (the logs are the
 * truth; the message says so).
 */
final class GroupCommit {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommit.class);

  private final UUID storeId;
  private final Identity identity;
  private final StoreSettings settings;
  private final WriterThread writer;
  private final ChainLogs logs;
  private final StateKeeper state;
  private final WatchHub watches;
  private final AppendListeners appended;
  private final StoreCounters counters;
  private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();

  /** Whether a deferred sync of the local log is scheduled; writer thread only. */
  private boolean syncScheduled;

  private record Pending(List<Op> ops, Durability durability, CompletableFuture<BlobRef> done) {}

  GroupCommit(
      UUID storeId,
      Identity identity,
      StoreSettings settings,
      WriterThread writer,
      ChainLogs logs,
      StateKeeper state,
      WatchHub watches,
      AppendListeners appended,
      StoreCounters counters) {
    this.storeId = storeId;
    this.identity = identity;
    this.settings = settings;
    this.writer = writer;
    this.logs = logs;
    this.state = state;
    this.watches = watches;
    this.appended = appended;
    this.counters = counters;
  }

  /** Commits {@code ops} as one entry (see {@link org.latticefs.kv.Store#commit}). */
  BlobRef commit(List<Op> ops, Durability durability) throws KvException {
    Objects.requireNonNull(durability, "durability");
    if (ops == null || ops.isEmpty()) {
      throw new KvException("a commit needs at least one operation");
    }
    for (Op op : ops) {
      String why = Op.invalidKeyReason(op.key());
      if (why != null) {
        throw new KvException("invalid key '" + KeyBytes.display(op.key()) + "': " + why);
      }
    }
    if (writer.isCurrent()) {
      throw new IllegalStateException("commit called from the store's own writer thread");
    }
    Pending pending = new Pending(List.copyOf(ops), durability, new CompletableFuture<>());
    queue.add(pending);
    try {
      writer.execute(this::drain);
    } catch (KvException closed) {
      queue.remove(pending);
      throw closed;
    }
    return WriterThread.await(pending.done());
  }

  /** Writer thread: turns every waiting commit into entries; one append, one state transaction. */
  private void drain() {
    List<Pending> batch = new ArrayList<>();
    for (Pending c; batch.size() < settings.maxCommitBatch() && (c = queue.poll()) != null; ) {
      batch.add(c);
    }
    if (batch.isEmpty()) {
      return;
    }
    List<SignedEntry> signed = new ArrayList<>();
    List<Pending> accepted = new ArrayList<>();
    boolean sync = false;
    try {
      state.catchUpIfBehind(logs);
      ChainLog log = logs.forAuthor(identity.id());
      ChainTip tip = log.tip().orElse(null);
      Map<String, BlobRef> written = new HashMap<>();
      for (Pending c : batch) {
        try {
          SignedEntry e = buildEntry(c.ops(), tip, written);
          signed.add(e);
          accepted.add(c);
          sync |= c.durability() == Durability.DISK;
          tip = new ChainTip(e.entry().seq(), e.hash(), e.entry().hlc());
          for (Op op : c.ops()) {
            written.put(op.key(), e.hash());
          }
        } catch (IllegalArgumentException e) {
          c.done().completeExceptionally(new KvException("invalid commit: " + e.getMessage(), e));
        }
      }
      if (signed.isEmpty()) {
        return;
      }
      log.append(signed, sync);
      counters.commitAppends.increment();
      counters.committed.add(signed.size());
      if (!sync && !syncScheduled) {
        // If the writer is closing, the store's close syncs the logs after its last task.
        syncScheduled = writer.schedule(this::deferredSync, settings.syncDelay());
      }
    } catch (KvException | RuntimeException e) {
      KvException failure =
          e instanceof KvException k ? k : new KvException("commit failed: " + e, e);
      batch.forEach(c -> c.done().completeExceptionally(failure));
      return;
    }
    List<KeyChange> changes;
    try {
      changes = state.apply(signed);
    } catch (KvException e) {
      accepted.forEach(c -> c.done().completeExceptionally(e));
      return;
    }
    for (int i = 0; i < accepted.size(); i++) {
      accepted.get(i).done().complete(signed.get(i).hash());
    }
    watches.publish(changes, state.backend()::snapshot);
    appended.fire();
  }

  private SignedEntry buildEntry(List<Op> ops, ChainTip tip, Map<String, BlobRef> written)
      throws KvException {
    Set<String> keys = new LinkedHashSet<>();
    for (Op op : ops) {
      keys.add(op.key());
    }
    List<KeyParents> parents = new ArrayList<>(keys.size());
    for (String key : keys) {
      BlobRef mine = written.get(key);
      List<BlobRef> heads =
          mine != null
              ? List.of(mine)
              : state.backend().heads(key).stream().map(Head::entry).toList();
      parents.add(new KeyParents(key, heads));
    }
    Hlc hlc = settings.clock().now();
    if (tip != null && hlc.compareTo(tip.hlc()) <= 0) {
      hlc = after(tip.hlc());
    }
    long seq = tip == null ? 1 : tip.seq() + 1;
    BlobRef prev = tip == null ? Entry.GENESIS : tip.hash();
    Entry entry = new Entry(storeId, identity.id(), seq, prev, hlc, parents, ops);
    return SignedEntry.sign(entry, identity);
  }

  private static Hlc after(Hlc h) {
    return h.counter() < Hlc.MAX_COUNTER
        ? new Hlc(h.physicalMillis(), h.counter() + 1)
        : new Hlc(h.physicalMillis() + 1, 0);
  }

  /** Writer thread: the sync delay of a buffered commit ran out. */
  private void deferredSync() {
    syncScheduled = false;
    var log = logs.get(identity.id());
    if (log.isEmpty() || !log.get().hasUnsynced()) {
      return;
    }
    try {
      log.get().sync();
      counters.deferredSyncs.increment();
    } catch (KvException e) {
      LOG.error("store {}: deferred sync of the local log failed", storeId, e);
    }
  }

  /** Fsyncs the local log after every commit queued before this call (waits for the writer). */
  void sync() throws KvException {
    writer.call(
        () -> {
          var log = logs.get(identity.id());
          if (log.isPresent()) {
            log.get().sync();
          }
          return null;
        });
  }

  /** Whether some local commits are acknowledged but not yet fsynced. Waits for the writer. */
  boolean hasUnsynced() throws KvException {
    return writer.call(
        () -> {
          var log = logs.get(identity.id());
          return log.isPresent() && log.get().hasUnsynced();
        });
  }
}
