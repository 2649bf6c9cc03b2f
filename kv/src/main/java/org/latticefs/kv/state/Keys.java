package org.latticefs.kv.state;

import java.util.Comparator;
import org.latticefs.kv.Head;

/** Orders used by every backend, so that all of them list and digest identically. */
public final class Keys {
  private Keys() {}

  /** Key order: by Unicode code point, which is the unsigned byte order of their UTF-8 form. */
  public static final Comparator<String> ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Boolean.compare(i < a.length(), j < b.length());
      };

  /**
   * Head order: winner first, i.e. descending by HLC, then author id bytes (unsigned), then entry
   * hash, so that every replica picks the same winner.
   */
  public static final Comparator<Head> WINNER_FIRST =
      Comparator.comparing(Head::hlc)
          .thenComparing(Head::author)
          .thenComparing(Head::entry)
          .reversed();
}
