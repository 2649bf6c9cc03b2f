package org.latticefs.kv.log;

import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;

/**
 * The last entry of one author's chain: its seq, hash and timestamp. A peer that has the same tip
 * has the same chain (the hashes link every entry before it).
 */
public record ChainTip(long seq, BlobRef hash, Hlc hlc) {
  public ChainTip {
    if (seq < 1) {
      throw new IllegalArgumentException("a chain tip has seq >= 1, got " + seq);
    }
    java.util.Objects.requireNonNull(hash, "hash");
    java.util.Objects.requireNonNull(hlc, "hlc");
  }
}
