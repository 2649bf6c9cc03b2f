package org.latticefs.kv.store;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SignedEntry;

/** A remote author writing a chain for one store, as a peer would; for building test entries. */
final class TestAuthor {
  final Identity identity;
  final UUID store;
  long seq;
  BlobRef prev = Entry.GENESIS;
  Hlc last = Hlc.ZERO;

  TestAuthor(long seed, UUID store) {
    this.identity = Identity.generate(new Random(seed));
    this.store = store;
  }

  NodeId id() {
    return identity.id();
  }

  /** The next entry of the chain, superseding {@code parents} (per key; missing keys: none). */
  SignedEntry next(long millis, Map<String, List<BlobRef>> parents, Op... ops) {
    Hlc hlc = new Hlc(millis, 0);
    if (hlc.compareTo(last) <= 0) {
      hlc = new Hlc(last.physicalMillis(), last.counter() + 1);
    }
    SignedEntry e = build(seq + 1, prev, hlc, parents, ops);
    seq++;
    prev = e.hash();
    last = hlc;
    return e;
  }

  /** An entry with arbitrary chain fields; does not advance the chain. */
  SignedEntry build(
      long seq, BlobRef prev, Hlc hlc, Map<String, List<BlobRef>> parents, Op... ops) {
    return build(store, seq, prev, hlc, parents, ops);
  }

  SignedEntry build(
      UUID storeId,
      long seq,
      BlobRef prev,
      Hlc hlc,
      Map<String, List<BlobRef>> parents,
      Op... ops) {
    Set<String> keys = new LinkedHashSet<>();
    for (Op op : ops) {
      keys.add(op.key());
    }
    List<KeyParents> kps = new ArrayList<>();
    for (String k : keys) {
      kps.add(new KeyParents(k, parents.getOrDefault(k, List.of())));
    }
    return SignedEntry.sign(
        new Entry(storeId, identity.id(), seq, prev, hlc, kps, List.of(ops)), identity);
  }
}
