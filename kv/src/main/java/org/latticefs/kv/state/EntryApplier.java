package org.latticefs.kv.state;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Applyable;
import org.latticefs.kv.Head;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.StateContext;

/** Applies one entry to a {@link StateTxn}: the supersession rules, shared by all backends. */
final class EntryApplier implements StateContext {
  private final StateTxn txn;
  private final StateEntry entry;
  private final Set<String> touched = new LinkedHashSet<>();
  private final Set<String> superseded = new HashSet<>();

  private EntryApplier(StateTxn txn, StateEntry entry) {
    this.txn = txn;
    this.entry = entry;
  }

  /**
   * Applies the operations of {@code entry} and appends the resulting key changes to {@code
   * changes}. The caller records the entry's tip (once per author per transaction is enough).
   */
  static void apply(StateTxn txn, StateEntry entry, List<KeyChange> changes) throws KvException {
    EntryApplier applier = new EntryApplier(txn, entry);
    for (Applyable op : entry.ops()) {
      op.applyTo(applier);
    }
    for (String key : applier.touched) {
      changes.add(new KeyChange(key, txn.heads(key)));
    }
  }

  /** Applies {@code entries} in order, then writes the last tip of each author. */
  static List<KeyChange> applyAll(StateTxn txn, List<StateEntry> entries) throws KvException {
    List<KeyChange> changes = new ArrayList<>();
    Map<NodeId, AppliedTip> tips = new HashMap<>();
    for (StateEntry entry : entries) {
      apply(txn, entry, changes);
      tips.put(entry.author(), new AppliedTip(entry.seq(), entry.hash(), entry.hlc()));
    }
    for (Map.Entry<NodeId, AppliedTip> t : tips.entrySet()) {
      txn.setTip(t.getKey(), t.getValue());
    }
    return changes;
  }

  @Override
  public Optional<byte[]> get(String key) throws KvException {
    List<Head> heads = txn.heads(key);
    return heads.isEmpty() ? Optional.empty() : heads.get(0).valueIfPresent();
  }

  @Override
  public List<Head> heads(String key) throws KvException {
    return txn.heads(key);
  }

  @Override
  public void put(String key, byte[] value) throws KvException {
    write(key, value.clone());
  }

  @Override
  public void delete(String key) throws KvException {
    write(key, null);
  }

  private void write(String key, byte[] valueOrNull) throws KvException {
    List<Head> heads = new ArrayList<>(txn.heads(key));
    BlobRef self = entry.hash();
    if (touched.add(key)) {
      for (BlobRef parent : entry.parentsOf(key)) {
        if (!heads.removeIf(h -> h.entry().equals(parent))) {
          txn.addGhost(parent, key);
        }
      }
      if (txn.hasGhost(self, key)) {
        txn.removeGhost(self, key);
        superseded.add(key);
      }
    }
    if (!superseded.contains(key)) {
      heads.removeIf(h -> h.entry().equals(self));
      heads.add(new Head(key, valueOrNull, entry.hlc(), entry.author(), self));
    }
    heads.sort(Head.WINNER_FIRST);
    txn.setHeads(key, heads);
  }
}
