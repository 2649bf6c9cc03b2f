package org.latticefs.kv.log;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;

/** Test fixtures: chains of small signed entries. */
final class Entries {
  private Entries() {}

  /** A one-put entry continuing after {@code prev} (null: the first). */
  static SignedEntry next(UUID store, Identity id, SignedEntry prev, String key, String value) {
    long seq = prev == null ? 1 : prev.entry().seq() + 1;
    BlobRef prevHash = prev == null ? Entry.GENESIS : prev.hash();
    Entry e =
        new Entry(
            store,
            id.id(),
            seq,
            prevHash,
            new Hlc(1_700_000_000_000L + seq, 0),
            List.of(new KeyParents(key, List.of())),
            List.of(new Op.Put(key, value.getBytes(StandardCharsets.UTF_8))));
    return SignedEntry.sign(e, id);
  }

  /** {@code n} entries continuing after {@code prev}. */
  static List<SignedEntry> chain(UUID store, Identity id, SignedEntry prev, int n) {
    List<SignedEntry> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      long seq = prev == null ? 1 : prev.entry().seq() + 1;
      prev = next(store, id, prev, "/k/" + seq, "value " + seq);
      out.add(prev);
    }
    return out;
  }
}
