package org.latticefs.kv.store;

import java.nio.file.Path;
import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.latticefs.kv.HlcException;
import org.latticefs.kv.HybridClock;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.ChainLog;
import org.latticefs.kv.log.ChainTip;

/**
 * The per-author logs of one store: opened together, one more created when a new author's first
 * entry arrives, closed together. Readers may use it from any thread; new logs are created by the
 * store's writer only.
 */
final class ChainLogs implements AutoCloseable {
  /** Where a store's logs live: on disk ({@link DiskLogs}) or in memory. */
  interface Source {
    /** The authors that have a log here (or left evidence of one). */
    Collection<NodeId> authors() throws KvException;

    /** Opens (creating if missing) the log of {@code author}. */
    ChainLog open(NodeId author) throws KvException;

    /** Where the log of {@code author} is, for messages. */
    Path locate(NodeId author);
  }

  private final Source source;
  private final Map<NodeId, ChainLog> logs = new ConcurrentHashMap<>();

  private ChainLogs(Source source) {
    this.source = source;
  }

  /**
   * Opens every log of {@code source} (each checked as its open documents) and moves {@code clock}
   * past every tip.
   *
   * @throws KvException the first failure (logs opened before it are closed again)
   */
  static ChainLogs open(Source source, HybridClock clock) throws KvException {
    ChainLogs all = new ChainLogs(source);
    try {
      for (NodeId author : new TreeMap<NodeId, Boolean>(toMap(source.authors())).keySet()) {
        ChainLog log = source.open(author);
        all.logs.put(author, log);
        Optional<ChainTip> tip = log.tip();
        if (tip.isPresent()) {
          try {
            clock.receive(tip.get().hlc());
          } catch (HlcException ignored) {
            // Our own wall clock is far behind an old entry: commits still order after it.
          }
        }
      }
      return all;
    } catch (KvException | RuntimeException e) {
      all.closeQuietly();
      throw e;
    }
  }

  private static Map<NodeId, Boolean> toMap(Collection<NodeId> authors) {
    Map<NodeId, Boolean> m = new TreeMap<>();
    authors.forEach(a -> m.put(a, true));
    return m;
  }

  /** The log of {@code author}, if it has one here. */
  Optional<ChainLog> get(NodeId author) {
    return Optional.ofNullable(logs.get(author));
  }

  /** The log of {@code author}, created if missing. Writer thread only. */
  ChainLog forAuthor(NodeId author) throws KvException {
    ChainLog log = logs.get(author);
    if (log == null) {
      log = source.open(author);
      logs.put(author, log);
    }
    return log;
  }

  /** Every log, by author. */
  SortedMap<NodeId, ChainLog> all() {
    return new TreeMap<>(logs);
  }

  /** Per author, the last entry of its log (authors with an empty log left out). */
  SortedMap<NodeId, ChainTip> tips() {
    SortedMap<NodeId, ChainTip> out = new TreeMap<>();
    logs.forEach((author, log) -> log.tip().ifPresent(t -> out.put(author, t)));
    return out;
  }

  /** Where the log of {@code author} is (or would be). */
  Path locate(NodeId author) {
    return source.locate(author);
  }

  /** Closes every log; throws the last failure after trying all. */
  @Override
  public void close() throws KvException {
    KvException failure = null;
    for (ChainLog log : logs.values()) {
      try {
        log.close();
      } catch (KvException e) {
        failure = e;
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private void closeQuietly() {
    try {
      close();
    } catch (KvException ignored) {
      // Already failing: the caller reports the first problem.
    }
  }
}
