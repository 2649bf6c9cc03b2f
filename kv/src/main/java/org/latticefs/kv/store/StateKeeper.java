package org.latticefs.kv.store;

import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.state.AppliedTip;
import org.latticefs.kv.state.CorruptStateException;
import org.latticefs.kv.state.KeyChange;
import org.latticefs.kv.state.StateBackend;
import org.latticefs.kv.state.StateEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a store's state in step with its logs: opens it (a damaged one is set aside and rebuilt),
 * re-applies what it missed, applies new entries, rebuilds it on demand. The logs are the truth;
 * the state is derived from them and may always be rebuilt, but a state that has applied entries of
 * an author whose log is gone is evidence of a lost log, not a reason to forget those entries.
 */
final class StateKeeper implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(StateKeeper.class);
  private static final int REPLAY_BATCH = 2048;

  /** Where a store's state lives. */
  interface Source {
    /**
     * Opens the state.
     *
     * @throws CorruptStateException if it cannot be read back as written
     */
    StateBackend open() throws KvException;

    /** Moves a damaged state out of the way (kept for inspection); returns where it went. */
    Path setAside() throws KvException;
  }

  private final UUID storeId;
  private final StateBackend backend;
  private volatile boolean behind;

  private StateKeeper(UUID storeId, StateBackend backend) {
    this.storeId = storeId;
    this.backend = backend;
  }

  /** Opens the state of store {@code storeId}; a damaged one is set aside and started afresh. */
  static StateKeeper open(UUID storeId, Source source) throws KvException {
    StateBackend backend;
    try {
      backend = source.open();
      try {
        backend.check();
        return new StateKeeper(storeId, backend);
      } catch (CorruptStateException e) {
        backend.close();
        throw e;
      }
    } catch (CorruptStateException e) {
      Path aside = source.setAside();
      LOG.warn(
          "store {}: its state is damaged ({}); kept as {} and rebuilt from the logs",
          storeId,
          e.getMessage(),
          aside);
      return new StateKeeper(storeId, source.open());
    }
  }

  /** The state, for reads. */
  StateBackend backend() {
    return backend;
  }

  /**
   * Brings the state up to {@code logs}: re-applies entries it has not seen, or clears and rebuilds
   * it when it disagrees with them (a tip the logs do not hold: a state ahead of its logs after a
   * power loss, or a stale one) or {@code rebuild} is set.
   *
   * @throws DamagedStoreException if the state has applied entries of an author whose log is gone:
   *     nothing is changed
   */
  void reconcile(ChainLogs logs, boolean rebuild) throws KvException {
    Map<NodeId, AppliedTip> applied = backend.tips();
    boolean clear = rebuild;
    for (Map.Entry<NodeId, AppliedTip> t : applied.entrySet()) {
      Optional<ChainLog> log = logs.get(t.getKey());
      if (log.isEmpty()) {
        throw lostLog(logs.locate(t.getKey()), t.getKey(), t.getValue().seq());
      }
      Optional<SignedEntry> same = log.get().get(t.getValue().seq());
      if (!clear && (same.isEmpty() || !same.get().hash().equals(t.getValue().hash()))) {
        LOG.warn(
            "store {}: the state disagrees with the log of {} (it applied entry {}, the log has {});"
                + " rebuilding it",
            storeId,
            t.getKey(),
            t.getValue().seq(),
            log.get().size());
        clear = true;
      }
    }
    if (clear) {
      backend.clear();
      applied = Map.of();
    }
    for (Map.Entry<NodeId, ChainLog> l : logs.all().entrySet()) {
      AppliedTip t = applied.get(l.getKey());
      replay(l.getValue(), t == null ? 0 : t.seq());
    }
    behind = false;
  }

  private DamagedStoreException lostLog(Path file, NodeId author, long seq) {
    return new DamagedStoreException(
        new StoreDamage(
            storeId,
            file,
            "the state has applied entries 1.."
                + seq
                + " of author "
                + author
                + ", whose log is missing (with its checkpoint): restore it from a backup; if instead the"
                + " state is stale (copied from elsewhere), delete the state directory to rebuild"
                + " it from the logs; the state was not changed",
            List.of(new StoreDamage.DamagedRange(author, 1, seq))));
  }

  private void replay(ChainLog log, long afterSeq) throws KvException {
    try (Stream<SignedEntry> entries = log.entriesAfter(afterSeq)) {
      List<StateEntry> batch = new ArrayList<>(REPLAY_BATCH);
      for (Iterator<SignedEntry> it = entries.iterator(); it.hasNext(); ) {
        batch.add(toStateEntry(it.next()));
        if (batch.size() == REPLAY_BATCH) {
          backend.apply(batch);
          batch.clear();
        }
      }
      backend.apply(batch);
    } catch (UncheckedIOException e) {
      throw new KvException("cannot read the log of " + log.author() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Applies {@code entries} (durable in their logs) in one transaction. On failure the state is
   * marked behind: the next write reconciles it first.
   */
  List<KeyChange> apply(List<SignedEntry> entries) throws KvException {
    try {
      return backend.apply(entries.stream().map(StateKeeper::toStateEntry).toList());
    } catch (KvException | RuntimeException e) {
      behind = true;
      throw new KvException("entries are durable in the logs but the state update failed: " + e, e);
    }
  }

  /** Reconciles first if an earlier apply failed. Writer thread only. */
  void catchUpIfBehind(ChainLogs logs) throws KvException {
    if (behind) {
      reconcile(logs, false);
    }
  }

  /** Discards the state and rebuilds it from {@code logs}; returns its digest. */
  BlobRef rebuild(ChainLogs logs) throws KvException {
    reconcile(logs, true);
    return backend.digest();
  }

  static StateEntry toStateEntry(SignedEntry s) {
    Entry e = s.entry();
    Map<String, Set<BlobRef>> parents = new HashMap<>();
    for (KeyParents kp : e.parents()) {
      parents.put(kp.key(), Set.copyOf(kp.heads()));
    }
    return new StateEntry(e.author(), e.seq(), s.hash(), e.hlc(), parents, e.ops());
  }

  @Override
  public void close() throws KvException {
    backend.close();
  }
}
