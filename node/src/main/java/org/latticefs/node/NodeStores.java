package org.latticefs.node;

import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.node.NodeApi.EntryRow;
import org.latticefs.node.NodeApi.OpRow;
import org.latticefs.node.config.DataDir;

/** How node opens and reads kv: the data directory's {@code kv/} folder, ids and log history. */
final class NodeStores {
  private NodeStores() {}

  /**
   * Opens the stores of {@code dir} (creating the directory and the identity if missing) under
   * their exclusive lock. A directory held by another process is a {@link NodeException} saying so.
   */
  static Stores open(DataDir dir) throws IOException {
    dir.create();
    try {
      return DiskStores.open(dir.kv());
    } catch (KvException e) {
      if (String.valueOf(e.getMessage()).contains("in use")) {
        throw new NodeException(
            "the data directory "
                + dir.root()
                + " is in use by another lattice-fs process (a shell, another command, or a"
                + " daemon still starting or stopping); wait for it to finish or stop it",
            1,
            e);
      }
      throw e;
    }
  }

  static String idText(NodeId id) {
    return id.toString();
  }

  /**
   * The last {@code limit} entries of the store's merged log (touching {@code key} if non-null).
   */
  static List<EntryRow> history(Store store, String key, int limit) throws KvException {
    Deque<Store.HistoryEntry> last = new ArrayDeque<>();
    try (Stream<Store.HistoryEntry> s = store.history(key)) {
      Iterator<Store.HistoryEntry> it = s.iterator();
      while (it.hasNext()) {
        last.addLast(it.next());
        if (last.size() > limit) {
          last.removeFirst();
        }
      }
    }
    List<EntryRow> out = new ArrayList<>();
    for (Store.HistoryEntry se : last) {
      List<OpRow> ops = new ArrayList<>();
      for (Op op : se.ops()) {
        if (op instanceof Op.Put p) {
          ops.add(new OpRow("put", p.key(), p.value()));
        } else {
          ops.add(new OpRow("delete", op.key(), null));
        }
      }
      out.add(
          new EntryRow(
              se.hash().hex(),
              idText(se.author()),
              se.seq(),
              se.hlc().toString(),
              ops));
    }
    return out;
  }
}
