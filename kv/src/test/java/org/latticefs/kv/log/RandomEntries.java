package org.latticefs.kv.log;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;

/** Random, valid entries from a seed, covering every field kind (Unicode keys, empty values). */
final class RandomEntries {
  private static final String[] PIECES = {"a", "b", "zz", "é", "中文", "😀", "\u007f", " ", "-", "/"};

  private RandomEntries() {}

  static Entry entry(Random r) {
    byte[] author = new byte[NodeId.LENGTH];
    r.nextBytes(author);
    return entry(r, new NodeId(author));
  }

  static Entry entry(Random r, NodeId author) {
    long seq = r.nextInt(4) == 0 ? 1 : 1 + (r.nextLong() >>> 1) % Long.MAX_VALUE;
    BlobRef prev = seq == 1 ? Entry.GENESIS : ref(r);
    int nOps = 1 + (r.nextInt(5) == 0 ? r.nextInt(40) : r.nextInt(4));
    List<String> keyPool = new ArrayList<>();
    for (int i = 0, n = 1 + r.nextInt(nOps); i < n; i++) {
      keyPool.add(key(r));
    }
    List<Op> ops = new ArrayList<>();
    Set<String> keys = new LinkedHashSet<>();
    for (int i = 0; i < nOps; i++) {
      String k = keyPool.get(r.nextInt(keyPool.size()));
      keys.add(k);
      if (r.nextInt(4) == 0) {
        ops.add(new Op.Delete(k));
      } else {
        byte[] v = new byte[r.nextInt(8) == 0 ? 0 : r.nextInt(r.nextInt(10) == 0 ? 5000 : 60)];
        r.nextBytes(v);
        ops.add(new Op.Put(k, v));
      }
    }
    List<KeyParents> parents = new ArrayList<>();
    for (String k : keys) {
      List<BlobRef> heads = new ArrayList<>();
      for (int i = 0, n = r.nextInt(3) == 0 ? r.nextInt(5) : 0; i < n; i++) {
        heads.add(ref(r));
      }
      parents.add(new KeyParents(k, heads));
    }
    long millis = (r.nextLong() >>> 16) % (Hlc.MAX_PHYSICAL + 1);
    return new Entry(
        new UUID(r.nextLong(), r.nextLong()),
        author,
        seq,
        prev,
        new Hlc(millis, r.nextInt(Hlc.MAX_COUNTER + 1)),
        parents,
        ops);
  }

  static SignedEntry signed(Random r) {
    Identity id = Identity.generate(r);
    return SignedEntry.sign(entry(r, id.id()), id);
  }

  static String key(Random r) {
    StringBuilder sb = new StringBuilder("/");
    for (int i = 0, n = r.nextInt(6); i < n; i++) {
      sb.append(PIECES[r.nextInt(PIECES.length)]);
    }
    return sb.toString();
  }

  static BlobRef ref(Random r) {
    byte[] b = new byte[BlobRef.LENGTH];
    r.nextBytes(b);
    return new BlobRef(b);
  }
}
