package org.latticefs.kv.state;

import java.util.List;
import org.latticefs.kv.Head;

/**
 * The heads of {@code key} right after one entry changed them (empty: the key has no heads left).
 */
public record KeyChange(String key, List<Head> heads) {
  public KeyChange {
    heads = List.copyOf(heads);
  }
}
