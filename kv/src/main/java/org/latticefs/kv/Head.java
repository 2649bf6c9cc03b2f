package org.latticefs.kv;

import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import org.latticefs.cas.BlobRef;

/**
 * One concurrent head of a key: the value an entry left there that no later entry superseded.
 *
 * @param key the key
 * @param value the value, or null if this head is a deletion (tombstone)
 * @param hlc the timestamp of the entry that wrote it
 * @param author the author of that entry
 * @param entry the hash of that entry
 */
public record Head(String key, byte[] value, Hlc hlc, NodeId author, BlobRef entry) {
  /**
   * Winner first: descending by HLC, then author id bytes (unsigned), then entry hash, so that
   * every replica picks the same last-writer-wins winner.
   */
  public static final Comparator<Head> WINNER_FIRST =
      Comparator.comparing(Head::hlc)
          .thenComparing(Head::author)
          .thenComparing(Head::entry)
          .reversed();

  public Optional<byte[]> valueIfPresent() {
    return Optional.ofNullable(value).map(byte[]::clone);
  }

  public boolean isDeletion() {
    return value == null;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Head h
        && key.equals(h.key)
        && Arrays.equals(value, h.value)
        && hlc.equals(h.hlc)
        && author.equals(h.author)
        && entry.equals(h.entry);
  }

  @Override
  public int hashCode() {
    return entry.hashCode() * 31 + key.hashCode();
  }
}
