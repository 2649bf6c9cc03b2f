package org.latticefs.kv.store;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.stream.IntStream;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.log.SignatureBatch;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.state.KeyChange;
import org.latticefs.kv.sync.IngestOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Takes in entries from elsewhere: sorted by (author, seq) so a batch holding a whole range applies
 * it whole, their signatures checked on all cores by the caller's thread and {@link
 * SignatureBatch}'s helpers, then judged ({@link IngestRules}), appended (one fsync per author) and
 * applied (one state transaction) on the store's writer. Large batches are pipelined in chunks of
 * {@value #CHUNK}: the caller checks the signatures of one chunk while the writer appends and
 * applies the previous one.
 */
final class Ingest {
  private static final Logger LOG = LoggerFactory.getLogger(Ingest.class);
  private static final int CHUNK = 256;

  private final UUID storeId;
  private final WriterThread writer;
  private final ChainLogs logs;
  private final StateKeeper state;
  private final WatchHub watches;
  private final AppendListeners appended;
  private final IngestRules rules;
  private final OrphanBuffer orphans;
  private final StoreCounters counters;

  Ingest(
      UUID storeId,
      WriterThread writer,
      ChainLogs logs,
      StateKeeper state,
      WatchHub watches,
      AppendListeners appended,
      IngestRules rules,
      OrphanBuffer orphans,
      StoreCounters counters) {
    this.storeId = storeId;
    this.writer = writer;
    this.logs = logs;
    this.state = state;
    this.watches = watches;
    this.appended = appended;
    this.rules = rules;
    this.orphans = orphans;
    this.counters = counters;
  }

  /** See {@link org.latticefs.kv.sync.Replica#ingest}. */
  List<IngestOutcome> ingest(Collection<SignedEntry> entries) throws KvException {
    return WriterThread.await(ingestAsync(entries));
  }

  /**
   * See {@link org.latticefs.kv.sync.Replica#ingestAsync}: the caller's thread sorts and checks
   * signatures chunk by chunk, handing each chunk to the writer as soon as it is checked; the
   * future completes (on the writer) once the writer has taken the last chunk.
   */
  CompletableFuture<List<IngestOutcome>> ingestAsync(Collection<SignedEntry> entries)
      throws KvException {
    List<SignedEntry> list = List.copyOf(entries);
    Integer[] order = byAuthorAndSeq(list);
    List<CompletableFuture<List<IngestOutcome>>> pending = new ArrayList<>();
    List<int[]> positions = new ArrayList<>();
    for (int from = 0; from < order.length; from += CHUNK) {
      int to = Math.min(order.length, from + CHUNK);
      int[] at = new int[to - from];
      List<SignedEntry> chunk = new ArrayList<>(at.length);
      for (int k = from; k < to; k++) {
        at[k - from] = order[k];
        chunk.add(list.get(order[k]));
      }
      boolean[] valid = SignatureBatch.shared().check(chunk);
      positions.add(at);
      CompletableFuture<List<IngestOutcome>> done = new CompletableFuture<>();
      if (writer.isCurrent()) {
        try {
          done.complete(onWriter(chunk, valid));
        } catch (KvException | RuntimeException e) {
          done.completeExceptionally(e);
        }
      } else {
        writer.execute(
            () -> {
              try {
                done.complete(onWriter(chunk, valid));
              } catch (KvException | RuntimeException e) {
                done.completeExceptionally(e);
              }
            });
      }
      pending.add(done);
    }
    return CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new))
        .thenApply(
            ignored -> {
              IngestOutcome[] outcomes = new IngestOutcome[list.size()];
              for (int c = 0; c < pending.size(); c++) {
                List<IngestOutcome> got = pending.get(c).join();
                int[] at = positions.get(c);
                for (int k = 0; k < at.length; k++) {
                  outcomes[at[k]] = got.get(k);
                }
              }
              return List.of(outcomes);
            });
  }

  /** Writer thread: keeps a proof learned from elsewhere (see {@link IngestRules#recordProof}). */
  boolean recordProof(org.latticefs.kv.sync.Equivocation proof) {
    return rules.recordProof(proof);
  }

  private static Integer[] byAuthorAndSeq(List<SignedEntry> list) {
    Integer[] order = IntStream.range(0, list.size()).boxed().toArray(Integer[]::new);
    Arrays.sort(
        order,
        Comparator.comparing((Integer i) -> list.get(i).entry().author())
            .thenComparingLong(i -> list.get(i).entry().seq()));
    return order;
  }

  private List<IngestOutcome> onWriter(List<SignedEntry> list, boolean[] valid) throws KvException {
    state.catchUpIfBehind(logs);
    IngestRules.Batch batch = rules.newBatch();
    orphans.expire(batch.now);
    IngestOutcome[] outcomes = new IngestOutcome[list.size()];
    Map<BlobRef, Integer> inputIndex = new HashMap<>();
    for (int i : byAuthorAndSeq(list)) {
      outcomes[i] = rules.admit(list.get(i), valid[i], batch);
      if (outcomes[i] instanceof IngestOutcome.Rejected) {
        counters.rejected.increment();
      }
      if (outcomes[i] instanceof IngestOutcome.Applied) {
        inputIndex.put(list.get(i).hash(), i);
      }
    }
    Set<NodeId> failed = new HashSet<>();
    for (Map.Entry<NodeId, List<SignedEntry>> p : batch.accepted.entrySet()) {
      try {
        logs.forAuthor(p.getKey()).append(p.getValue());
      } catch (KvException e) {
        LOG.error("store {}: cannot append entries of {}", storeId, p.getKey(), e);
        failed.add(p.getKey());
        for (SignedEntry lost : p.getValue()) {
          Integer i = inputIndex.get(lost.hash());
          if (i != null) {
            outcomes[i] = new IngestOutcome.Rejected("log append failed: " + e.getMessage());
            counters.rejected.increment();
            counters.rejected(LogStore.RejectReason.APPEND_FAILED);
          }
        }
      }
    }
    List<SignedEntry> durable = new ArrayList<>();
    for (SignedEntry e : batch.order) {
      if (!failed.contains(e.entry().author())) {
        durable.add(e);
      }
    }
    counters.ingested.add(durable.size());
    if (!durable.isEmpty()) {
      List<KeyChange> changes = state.apply(durable);
      watches.publish(changes, state.backend()::snapshot);
      appended.fire();
    }
    return List.of(outcomes);
  }
}
