package org.latticefs.kv.log;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * The heads of one key that an entry supersedes: the hashes of the entries whose values for {@code
 * key} the author saw when it wrote (empty when the key was new to it).
 *
 * <p>The constructor sorts {@code heads} ascending (unsigned bytes) and rejects duplicates and more
 * than {@link Entry#MAX_PARENTS_PER_KEY}.
 */
public record KeyParents(String key, List<BlobRef> heads) {
  public KeyParents {
    Entry.checkKey(key);
    Objects.requireNonNull(heads, "heads");
    if (heads.size() > Entry.MAX_PARENTS_PER_KEY) {
      throw new IllegalArgumentException(
          "at most "
              + Entry.MAX_PARENTS_PER_KEY
              + " parents per key, got "
              + heads.size()
              + " for "
              + key);
    }
    List<BlobRef> sorted = new ArrayList<>(heads);
    sorted.forEach(h -> Objects.requireNonNull(h, "head"));
    sorted.sort(null);
    for (int i = 1; i < sorted.size(); i++) {
      if (sorted.get(i).equals(sorted.get(i - 1))) {
        throw new IllegalArgumentException("duplicate parent " + sorted.get(i) + " for " + key);
      }
    }
    heads = List.copyOf(sorted);
  }
}
