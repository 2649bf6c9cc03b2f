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
import org.latticefs.kv.store.DiskStores;
import org.latticefs.node.NodeApi.EntryRow;
import org.latticefs.node.NodeApi.OpRow;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.crypto.SodiumEd25519;
import org.latticefs.node.format.DataDirFormat;

/** How node opens and reads kv: the data directory's {@code kv/} folder, ids and log history. */
final class NodeStores {
  private NodeStores() {}

  /**
   * Opens the stores of {@code dir} (creating the directory and the identity if missing) under
   * their exclusive lock, after {@link DataDirFormat#prepare} has made the directory private and
   * brought it to this build's format. A directory held by another process is a {@link
   * NodeException} saying so. Signatures are checked with libsodium from here on where it loads
   * ({@link SodiumEd25519#install}).
   */
  static DiskStores open(DataDir dir) throws IOException {
    DataDirFormat.prepare(dir);
    SodiumEd25519.install();
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

  private static long size(Store.HistoryEntry e) {
    long n = 0;
    for (Op op : e.ops()) {
      n += op.key().length() + (op instanceof Op.Put p ? p.value().length : 0);
    }
    return n;
  }

  static String idText(NodeId id) {
    return id.toString();
  }

  /**
   * The last {@code limit} entries of the store's merged log (touching {@code key} if non-null); a
   * {@link NodeException} if their keys and values pass {@link NodeApi#HISTORY_BYTES}. Holds at
   * most that many bytes of entries while it reads.
   */
  static List<EntryRow> history(Store store, String key, int limit) throws IOException {
    Deque<Store.HistoryEntry> last = new ArrayDeque<>();
    long held = 0;
    long seen = 0;
    try (Stream<Store.HistoryEntry> s = store.history(key)) {
      Iterator<Store.HistoryEntry> it = s.iterator();
      while (it.hasNext()) {
        Store.HistoryEntry e = it.next();
        seen++;
        last.addLast(e);
        held += size(e);
        // Dropping the oldest keeps the newest entries that fit: if the last `limit` entries fit,
        // none of them is ever dropped.
        while (last.size() > limit || held > NodeApi.HISTORY_BYTES && last.size() > 1) {
          held -= size(last.removeFirst());
        }
      }
    }
    if (held > NodeApi.HISTORY_BYTES) {
      throw new NodeException(
          "the newest entry alone holds "
              + held
              + " bytes of keys and values, more than one answer carries ("
              + NodeApi.HISTORY_BYTES
              + ")");
    }
    if (last.size() < Math.min(limit, seen)) {
      throw new NodeException(
          "the last "
              + Math.min(limit, seen)
              + " entries hold more than "
              + NodeApi.HISTORY_BYTES
              + " bytes of keys and values, more than one answer carries; ask for fewer (--limit "
              + last.size()
              + " fits)");
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
          new EntryRow(se.hash().hex(), idText(se.author()), se.seq(), se.hlc().toString(), ops));
    }
    return out;
  }
}
