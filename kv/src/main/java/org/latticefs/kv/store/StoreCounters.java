package org.latticefs.kv.store;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one open store (see {@link LogStore.Stats}). Thread-safe. */
final class StoreCounters {
  final LongAdder commitAppends = new LongAdder();
  final LongAdder committed = new LongAdder();
  final LongAdder ingested = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder deferredSyncs = new LongAdder();
  private final LongAdder[] rejectedBy = new LongAdder[LogStore.RejectReason.values().length];

  StoreCounters() {
    for (int i = 0; i < rejectedBy.length; i++) {
      rejectedBy[i] = new LongAdder();
    }
  }

  /** One remote entry rejected for {@code reason} (also counted in {@link #rejected}). */
  void rejected(LogStore.RejectReason reason) {
    rejectedBy[reason.ordinal()].increment();
  }

  LogStore.Stats snapshot(int orphans, int equivocations) {
    long[] by = new long[rejectedBy.length];
    for (int i = 0; i < by.length; i++) {
      by[i] = rejectedBy[i].sum();
    }
    return new LogStore.Stats(
        commitAppends.sum(),
        committed.sum(),
        ingested.sum(),
        rejected.sum(),
        deferredSyncs.sum(),
        by,
        orphans,
        equivocations);
  }
}
