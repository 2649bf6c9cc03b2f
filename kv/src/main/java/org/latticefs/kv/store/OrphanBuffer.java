package org.latticefs.kv.store;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.SignedEntry;

/**
 * Entries (signature already verified) whose predecessor has not arrived, per author by seq, with
 * their receive time. Bounded in count; entries older than the time to live are dropped by {@link
 * #expire}. Confined to the store's writer thread.
 */
final class OrphanBuffer {
  private final int limit;
  private final Duration ttl;
  private final Map<NodeId, TreeMap<Long, Orphan>> byAuthor = new HashMap<>();

  /** Written by the writer thread only; volatile so that metrics may read it from any thread. */
  private volatile int size;

  record Orphan(SignedEntry entry, Instant received) {}

  OrphanBuffer(int limit, Duration ttl) {
    this.limit = limit;
    this.ttl = ttl;
  }

  /** The orphans buffered now; any thread (a moment's value). */
  int size() {
    return size;
  }

  boolean isFull() {
    return size >= limit;
  }

  Optional<SignedEntry> get(NodeId author, long seq) {
    TreeMap<Long, Orphan> chain = byAuthor.get(author);
    Orphan o = chain == null ? null : chain.get(seq);
    return Optional.ofNullable(o).map(Orphan::entry);
  }

  /** Adds {@code entry}; the caller checked {@link #isFull} and that no other entry has its seq. */
  void add(SignedEntry entry, Instant now) {
    if (byAuthor
            .computeIfAbsent(entry.entry().author(), a -> new TreeMap<>())
            .put(entry.entry().seq(), new Orphan(entry, now))
        == null) {
      size++;
    }
  }

  /** Removes and returns the orphan of {@code author} at {@code seq}, if any. */
  Optional<SignedEntry> take(NodeId author, long seq) {
    TreeMap<Long, Orphan> chain = byAuthor.get(author);
    if (chain == null) {
      return Optional.empty();
    }
    Orphan o = chain.remove(seq);
    if (o == null) {
      return Optional.empty();
    }
    size--;
    if (chain.isEmpty()) {
      byAuthor.remove(author);
    }
    return Optional.of(o.entry());
  }

  /** Drops every orphan of {@code author}. */
  void dropAuthor(NodeId author) {
    TreeMap<Long, Orphan> chain = byAuthor.remove(author);
    if (chain != null) {
      size -= chain.size();
    }
  }

  /**
   * Drops every orphan received more than the time to live before {@code now}; returns how many.
   */
  int expire(Instant now) {
    Instant cutoff = now.minus(ttl);
    int dropped = 0;
    for (Iterator<TreeMap<Long, Orphan>> chains = byAuthor.values().iterator();
        chains.hasNext(); ) {
      TreeMap<Long, Orphan> chain = chains.next();
      for (Iterator<Orphan> it = chain.values().iterator(); it.hasNext(); ) {
        if (it.next().received().isBefore(cutoff)) {
          it.remove();
          dropped++;
        }
      }
      if (chain.isEmpty()) {
        chains.remove();
      }
    }
    size -= dropped;
    return dropped;
  }
}
