package org.latticefs.kv.store;

import java.time.Duration;
import java.time.InstantSource;
import org.latticefs.kv.HybridClock;
import org.latticefs.kv.sync.AuthorPolicy;

/**
 * How a {@link LogStore} runs.
 *
 * @param clock the node's hybrid clock: stamps local entries, bounds remote ones (share one per
 *     node)
 * @param time the wall clock for orphan receive times and their expiry
 * @param policy who may write (checked on ingest)
 * @param orphanTtl how long an orphan waits for its predecessor
 * @param orphanLimit how many orphans the store holds at most (more are rejected)
 * @param watchBuffer how many changes a watcher may lag behind before it is resnapshotted
 * @param maxCommitBatch how many local commits one log append (one fsync) covers at most
 * @param syncDelay how long a {@link org.latticefs.kv.Durability#PROCESS_CRASH} commit may stay
 *     unsynced (written to the OS, not fsynced) at most; positive
 */
public record StoreSettings(
    HybridClock clock,
    InstantSource time,
    AuthorPolicy policy,
    Duration orphanTtl,
    int orphanLimit,
    int watchBuffer,
    int maxCommitBatch,
    Duration syncDelay) {
  /** How long a buffered commit stays unsynced at most, by default. */
  public static final Duration DEFAULT_SYNC_DELAY = Duration.ofSeconds(1);

  public StoreSettings {
    if (orphanLimit < 0 || watchBuffer < 1 || maxCommitBatch < 1) {
      throw new IllegalArgumentException("limits must be positive");
    }
    if (syncDelay == null || syncDelay.isNegative() || syncDelay.isZero()) {
      throw new IllegalArgumentException("the sync delay must be positive");
    }
  }

  /** The settings with the {@link #DEFAULT_SYNC_DELAY}. */
  public StoreSettings(
      HybridClock clock,
      InstantSource time,
      AuthorPolicy policy,
      Duration orphanTtl,
      int orphanLimit,
      int watchBuffer,
      int maxCommitBatch) {
    this(
        clock,
        time,
        policy,
        orphanTtl,
        orphanLimit,
        watchBuffer,
        maxCommitBatch,
        DEFAULT_SYNC_DELAY);
  }

  /**
   * System time, anyone may write, orphans wait 10 minutes (10,000 at most), 10,000 queued changes,
   * buffered commits synced within 1 s.
   */
  public static StoreSettings defaults() {
    return defaults(InstantSource.system());
  }

  /** The defaults over {@code time} (the hybrid clock reads it too). */
  public static StoreSettings defaults(InstantSource time) {
    return new StoreSettings(
        new HybridClock(time, HybridClock.DEFAULT_MAX_DRIFT),
        time,
        AuthorPolicy.anyone(),
        Duration.ofMinutes(10),
        10_000,
        10_000,
        1024);
  }

  /** These settings with another node's clock (over the same wall clock {@code time}). */
  public StoreSettings withClock(HybridClock c) {
    return new StoreSettings(
        c, time, policy, orphanTtl, orphanLimit, watchBuffer, maxCommitBatch, syncDelay);
  }

  public StoreSettings withPolicy(AuthorPolicy p) {
    return new StoreSettings(
        clock, time, p, orphanTtl, orphanLimit, watchBuffer, maxCommitBatch, syncDelay);
  }

  public StoreSettings withOrphans(Duration ttl, int limit) {
    return new StoreSettings(
        clock, time, policy, ttl, limit, watchBuffer, maxCommitBatch, syncDelay);
  }

  public StoreSettings withWatchBuffer(int changes) {
    return new StoreSettings(
        clock, time, policy, orphanTtl, orphanLimit, changes, maxCommitBatch, syncDelay);
  }

  public StoreSettings withSyncDelay(Duration delay) {
    return new StoreSettings(
        clock, time, policy, orphanTtl, orphanLimit, watchBuffer, maxCommitBatch, delay);
  }
}
