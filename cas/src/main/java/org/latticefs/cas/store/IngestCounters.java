package org.latticefs.cas.store;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts what receives did: blobs written under their names and blobs found already present
 * (deduplicated). Thread-safe and cheap on the write path ({@link LongAdder}s, no lock); read as a
 * {@link BlobStoreStats} snapshot.
 */
final class IngestCounters {
  private final LongAdder written = new LongAdder();
  private final LongAdder writtenBytes = new LongAdder();
  private final LongAdder deduplicated = new LongAdder();
  private final LongAdder deduplicatedBytes = new LongAdder();

  /** A new blob of {@code size} bytes got its name. */
  void wrote(long size) {
    written.increment();
    writtenBytes.add(size);
  }

  /** A received blob of {@code size} bytes was present already and not written again. */
  void deduplicated(long size) {
    deduplicated.increment();
    deduplicatedBytes.add(size);
  }

  BlobStoreStats snapshot() {
    return new BlobStoreStats(
        written.sum(), writtenBytes.sum(), deduplicated.sum(), deduplicatedBytes.sum());
  }
}
