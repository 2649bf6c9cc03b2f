package org.latticefs.kv.store;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.PriorityQueue;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Store.HistoryEntry;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignedEntry;

/**
 * A store's history: every author's entries merged into one stream in log order, by (HLC, author,
 * seq), which respects each author's chain order. Read lazily from the logs.
 */
final class History {
  private History() {}

  private static final Comparator<SignedEntry> ORDER =
      Comparator.comparing((SignedEntry s) -> s.entry().hlc())
          .thenComparing(s -> s.entry().author())
          .thenComparingLong(s -> s.entry().seq());

  private record Cursor(SignedEntry head, Iterator<SignedEntry> rest) {}

  /**
   * The merged history of {@code logs} as of this call; with a {@code key}, only entries with an
   * operation on it. Closing the stream releases the per-log streams early.
   */
  static Stream<HistoryEntry> of(ChainLogs logs, String key) throws KvException {
    PriorityQueue<Cursor> queue = new PriorityQueue<>(Comparator.comparing(Cursor::head, ORDER));
    List<Stream<SignedEntry>> streams = new ArrayList<>();
    for (ChainLog log : logs.all().values()) {
      Stream<SignedEntry> s = log.entriesAfter(0);
      streams.add(s);
      Iterator<SignedEntry> it = s.iterator();
      if (it.hasNext()) {
        queue.add(new Cursor(it.next(), it));
      }
    }
    Iterator<SignedEntry> merged =
        new Iterator<>() {
          @Override
          public boolean hasNext() {
            return !queue.isEmpty();
          }

          @Override
          public SignedEntry next() {
            Cursor c = queue.poll();
            if (c == null) {
              throw new NoSuchElementException();
            }
            if (c.rest().hasNext()) {
              queue.add(new Cursor(c.rest().next(), c.rest()));
            }
            return c.head();
          }
        };
    Stream<SignedEntry> all =
        StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                    merged, Spliterator.ORDERED | Spliterator.NONNULL),
                false)
            .onClose(() -> streams.forEach(Stream::close));
    if (key != null) {
      all = all.filter(s -> s.entry().ops().stream().anyMatch(op -> op.key().equals(key)));
    }
    return all.map(
        s -> {
          Entry e = s.entry();
          return new HistoryEntry(s.hash(), e.author(), e.seq(), e.hlc(), e.ops());
        });
  }
}
