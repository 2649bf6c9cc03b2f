package org.latticefs.gc.pin;

import java.util.List;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.KvReader;

/**
 * Hands every key under a prefix of a store to a visitor, in key order, one page of {@value #PAGE}
 * at a time (no list of them all is kept): how the pin book and presence read ranges of the root
 * store, whatever their size.
 */
final class KeyPages {
  static final int PAGE = 256;

  private KeyPages() {}

  /** Receives one key and its value; may throw {@code E}. */
  @FunctionalInterface
  interface Visitor<E extends Exception> {
    void visit(KeyValue kv) throws E;
  }

  /**
   * Visits every key under {@code prefix} of {@code store}, in key order. A failure to read the
   * store, or the visitor's, ends the walk.
   */
  static <E extends Exception> void forEach(KvReader store, String prefix, Visitor<E> visitor)
      throws KvException, E {
    String after = null;
    while (true) {
      List<KeyValue> page = store.list(prefix, after, PAGE);
      for (KeyValue kv : page) {
        visitor.visit(kv);
        after = kv.key();
      }
      if (page.size() < PAGE) {
        return;
      }
    }
  }
}
