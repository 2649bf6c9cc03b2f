package org.latticefs.cas.store;

import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Persists what a disk store keeps in memory about itself, every access flush interval on its
 * background thread ({@link #periodic}) and once more at its close ({@link #checkpointUsage}): the
 * access times' journal, and the usage record shard by shard ({@link Census}) whenever the counts
 * changed since the last one.
 *
 * <p>Thread-safe: checkpoints are serialized.
 */
final class StoreFlush {
  private static final Logger LOG = LoggerFactory.getLogger(StoreFlush.class);

  private final StoreDirectory dir;
  private final SpaceBudget budget;
  private final AccessTracker access;
  private final OutboardFiles outboardFiles;
  private final Quarantine quarantine;

  /** Counts of changes at the last usage checkpoint; -1: none that vouches for every shard. */
  private volatile long checkpointed = -1;

  StoreFlush(
      StoreDirectory dir,
      SpaceBudget budget,
      AccessTracker access,
      OutboardFiles outboardFiles,
      Quarantine quarantine) {
    this.dir = dir;
    this.budget = budget;
    this.access = access;
    this.outboardFiles = outboardFiles;
    this.quarantine = quarantine;
  }

  /**
   * Flushes access times, then checkpoints the usage if it changed; a failure of either is logged
   * (the next run tries again), never thrown: it runs on a scheduled thread.
   */
  void periodic() {
    try {
      access.flush();
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not persist access times for {}: {}", dir.root(), e.toString());
    }
    try {
      if (budget.changes() != checkpointed) {
        checkpointUsage(false);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not checkpoint the usage of {}: {}", dir.root(), e.toString());
    }
  }

  /**
   * Records the counts shard by shard, so the next open (after a crash too) walks only the shards
   * changed since (see {@link Census}). {@code settled}: the store closes cleanly.
   */
  synchronized void checkpointUsage(boolean settled) throws IOException {
    long changes = budget.changes();
    boolean provisional =
        Census.checkpoint(
            dir, budget, dir::shardLock, outboardFiles::lock, quarantine.suspectShards(), settled);
    // A shard recorded as unknown only for now is vouched for by the next flush's checkpoint, so
    // an open after a crash does not walk shards that merely changed shortly before a checkpoint.
    checkpointed = provisional ? -1 : changes;
  }
}
