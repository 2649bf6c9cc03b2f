package org.latticefs.kv.store;

import java.util.concurrent.atomic.LongAdder;

/** The counters of one open store (see {@link LogStore.Stats}). Thread-safe. */
final class StoreCounters {
  final LongAdder commitAppends = new LongAdder();
  final LongAdder committed = new LongAdder();
  final LongAdder ingested = new LongAdder();
  final LongAdder rejected = new LongAdder();
  final LongAdder deferredSyncs = new LongAdder();

  LogStore.Stats snapshot() {
    return new LogStore.Stats(
        commitAppends.sum(), committed.sum(), ingested.sum(), rejected.sum(), deferredSyncs.sum());
  }
}
