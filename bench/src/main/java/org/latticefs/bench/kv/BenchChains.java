package org.latticefs.bench.kv;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.KeyParents;
import org.latticefs.kv.log.SignedEntry;

/** Builds chains of single-op entries for the benchmarks, signing on all cores. */
public final class BenchChains {
  private BenchChains() {}

  /**
   * {@code n} entries {@code seq 1..n}, each one put of a 100-byte value under a 30-byte key (a
   * typical metadata write), with one parent.
   */
  public static List<SignedEntry> chain(UUID store, Identity id, int n) {
    List<Entry> entries = new ArrayList<>(n);
    BlobRef prev = Entry.GENESIS;
    byte[] value = new byte[100];
    for (int seq = 1; seq <= n; seq++) {
      String key = String.format("/inodes/%022d", seq);
      value[seq % value.length]++;
      List<BlobRef> parents = seq == 1 ? List.of() : List.of(prev);
      Entry e =
          new Entry(
              store,
              id.id(),
              seq,
              prev,
              new Hlc(1_700_000_000_000L + seq, 0),
              List.of(new KeyParents(key, parents)),
              List.of(new Op.Put(key, value)));
      entries.add(e);
      prev = Blake3.hash(e.encode());
    }
    return IntStream.range(0, n)
        .parallel()
        .mapToObj(i -> SignedEntry.sign(entries.get(i), id))
        .toList();
  }

  /**
   * {@code n} entries {@code seq 1..n} by {@code author}, each one put of a 32-byte value under
   * {@code /bench/SEQ} with no parents, stamped in the last {@code n} milliseconds, signed in
   * order.
   */
  public static List<SignedEntry> singlePuts(UUID store, Identity author, int n) {
    List<SignedEntry> out = new ArrayList<>(n);
    BlobRef prev = Entry.GENESIS;
    long millis = System.currentTimeMillis() - n;
    byte[] value = new byte[32];
    for (int i = 1; i <= n; i++) {
      String key = "/bench/" + i;
      Entry e =
          new Entry(
              store,
              author.id(),
              i,
              prev,
              new Hlc(millis + i, 0),
              List.of(new KeyParents(key, List.of())),
              List.of(new Op.Put(key, value)));
      SignedEntry s = SignedEntry.sign(e, author);
      out.add(s);
      prev = s.hash();
    }
    return out;
  }
}
