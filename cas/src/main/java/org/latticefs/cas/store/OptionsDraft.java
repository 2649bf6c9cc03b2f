package org.latticefs.cas.store;

import java.time.Duration;
import java.time.InstantSource;

/**
 * The fields of a {@link DiskBlobStore.Options} while one of them is changed: what lets each {@code
 * with…} method name only its own field.
 */
final class OptionsDraft {
  InstantSource clock;
  Duration accessFlushInterval;
  int syncThreads;
  boolean batchSyncfs;
  int batchWriteThreads;
  long outboardCacheBytes;
  int readHandles;
  int unnamedTemps;
  long quotaBytes;
  long minFreeBytes;

  OptionsDraft(DiskBlobStore.Options o) {
    clock = o.clock();
    accessFlushInterval = o.accessFlushInterval();
    syncThreads = o.syncThreads();
    batchSyncfs = o.batchSyncfs();
    batchWriteThreads = o.batchWriteThreads();
    outboardCacheBytes = o.outboardCacheBytes();
    readHandles = o.readHandles();
    unnamedTemps = o.unnamedTemps();
    quotaBytes = o.quotaBytes();
    minFreeBytes = o.minFreeBytes();
  }

  /** The options with these fields (checked as any {@link DiskBlobStore.Options} is). */
  DiskBlobStore.Options build() {
    return new DiskBlobStore.Options(
        clock,
        accessFlushInterval,
        syncThreads,
        batchSyncfs,
        batchWriteThreads,
        outboardCacheBytes,
        readHandles,
        unnamedTemps,
        quotaBytes,
        minFreeBytes);
  }
}
