package org.latticefs.gc;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What one collection pass did (or, in a dry run, would do).
 *
 * @param dryRun nothing was removed
 * @param startedAt when it started (the collector's clock)
 * @param elapsed how long it took
 * @param roots manifests the roots named (a manifest named twice counts twice)
 * @param heldTrees manifests held as roots by open files
 * @param manifestNodes manifest nodes read while marking
 * @param liveSetBytes heap of the live set (the pass's main memory)
 * @param examinedBlobs blobs present that the sweep looked at
 * @param examinedBytes their bytes
 * @param garbageBlobs of those, the blobs nothing reaches
 * @param garbageBytes their bytes
 * @param removedBlobs garbage blobs removed (0 in a dry run)
 * @param removedBytes their bytes: the space freed (their saved outboards went with them)
 * @param keptByHolds garbage blobs a hold taken during the pass kept (removed by a later pass)
 * @param quarantined blobs set aside as corrupt: reported, never removed
 * @param swept whether the sweep ran: false when marking found problems (then nothing is removed)
 * @param problems why marking was incomplete (the first hundred), empty when it was complete
 */
public record PassReport(
    boolean dryRun,
    Instant startedAt,
    Duration elapsed,
    long roots,
    long heldTrees,
    long manifestNodes,
    long liveSetBytes,
    long examinedBlobs,
    long examinedBytes,
    long garbageBlobs,
    long garbageBytes,
    long removedBlobs,
    long removedBytes,
    long keptByHolds,
    long quarantined,
    boolean swept,
    List<String> problems) {
  public PassReport {
    problems = List.copyOf(problems);
  }

  /** Bytes present that something reaches (at the time of the sweep). */
  public long liveBytes() {
    return examinedBytes - garbageBytes;
  }
}
