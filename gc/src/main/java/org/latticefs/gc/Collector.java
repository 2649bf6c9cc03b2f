package org.latticefs.gc;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.store.HoldTable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one collection pass over a blob store: marks what the roots and the holds reach, then
 * removes every present blob that nothing reaches.
 *
 * <h2>A pass</h2>
 *
 * <ol>
 *   <li>Begins a pass on the store's {@link HoldTable} first, so a hold released from now on (its
 *       owner having just made its references visible) stays in force until the pass ends.
 *   <li>Mark: streams the {@link ManifestRoots} and walks each tree through the local store into a
 *       {@link LiveSet} sized from the blob count (a Bloom filter with a fresh seed per pass), then
 *       does the same for the manifests holds keep as roots (open files' base versions). If any
 *       tree cannot be walked, or the roots cannot all be read, nothing is removed: the pass
 *       reports why.
 *   <li>Sweep: enumerates the blobs present in pages, in ref order; each one the live set does not
 *       contain is garbage and is removed, unless a hold keeps it (the store refuses, atomically).
 *       Each page's removals are durable before the next page's start, so a pass killed at any
 *       point has removed garbage only.
 * </ol>
 *
 * Memory: the live set (about 2 bytes per blob), one page of the enumeration, and the last few
 * thousand manifest nodes walked; nothing grows with the number of roots. Quarantined blobs are not
 * among the blobs present: they are counted in the report and never removed.
 *
 * <p>Pins join as more {@link ManifestRoots}: stored ones as roots, pending ones (still being
 * fetched) as partial roots (see {@link #Collector(CollectableStore, List, List, InstantSource,
 * LongSupplier, RandomGenerator)}). One pass at a time per collector (a second caller waits); safe
 * to call from any thread.
 */
public final class Collector {
  private static final Logger LOG = LoggerFactory.getLogger(Collector.class);

  /** Blobs listed per enumeration page. */
  static final int PAGE = 1024;

  private final CollectableStore store;
  private final List<ManifestRoots> roots;
  private final List<ManifestRoots> partialRoots;
  private final InstantSource clock;
  private final LongSupplier nanoTime;
  private final RandomGenerator random;
  private final ReentrantLock running = new ReentrantLock();

  /**
   * @param store the blobs, their holds and counts
   * @param roots every source of roots: the filesystem's inodes now, pins with part 2; a pass reads
   *     them all, one after the other
   * @param clock for the report's start time
   * @param nanoTime for the report's duration ({@link System#nanoTime} outside tests)
   * @param random seeds each pass's live set (seed it in tests to replay a pass)
   */
  public Collector(
      CollectableStore store,
      List<ManifestRoots> roots,
      InstantSource clock,
      LongSupplier nanoTime,
      RandomGenerator random) {
    this(store, List.of(), roots, clock, nanoTime, random);
  }

  /**
   * As above, with roots whose trees may not be whole here yet ({@code partialRoots}: pending pins,
   * whose blobs are still being fetched). A pass reads them before {@code roots} (a pin only goes
   * from pending to stored, so one that moves meanwhile is read at least once) and keeps what is
   * here of their trees; a node of one that is not here is no problem.
   */
  public Collector(
      CollectableStore store,
      List<ManifestRoots> partialRoots,
      List<ManifestRoots> roots,
      InstantSource clock,
      LongSupplier nanoTime,
      RandomGenerator random) {
    this.store = store;
    this.partialRoots = List.copyOf(partialRoots);
    this.roots = List.copyOf(roots);
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.random = random;
  }

  /**
   * Runs one pass (see the class doc). With {@code dryRun}, removes nothing and reports what it
   * would remove.
   *
   * @throws IOException if the store fails; blobs removed before it stay removed (all garbage)
   */
  public PassReport run(boolean dryRun, PassListener listener) throws IOException {
    running.lock();
    try {
      return pass(dryRun, listener);
    } finally {
      running.unlock();
    }
  }

  private PassReport pass(boolean dryRun, PassListener listener) throws IOException {
    Instant startedAt = clock.instant();
    long t0 = nanoTime.getAsLong();
    HoldTable holds = store.holds();
    try (HoldTable.Pass pass = holds.beginPass()) {
      long expected = store.blobCount();
      long seed;
      synchronized (random) {
        seed = random.nextLong();
      }
      LiveSet live = LiveSet.sized(expected + expected / 8 + 1024, seed);
      TreeMarker marker = new TreeMarker(store.blobs(), live);
      listener.phase(PassListener.Phase.MARK, -1);
      long[] rootCount = {0};
      for (ManifestRoots source : partialRoots) {
        source.forEach(
            m -> {
              marker.markPartial(m);
              listener.progress(++rootCount[0]);
            });
      }
      marker.forgetWalked();
      for (ManifestRoots source : roots) {
        source.forEach(
            m -> {
              marker.mark(m);
              listener.progress(++rootCount[0]);
            });
      }
      // After the roots: a tree held from before this point is marked here, and one held later was
      // still referenced when held, so the roots above saw it (see Hold#holdTree).
      List<BlobRef> held = holds.heldTrees();
      for (BlobRef m : held) {
        marker.mark(m);
      }
      Sweep sweep = new Sweep();
      if (marker.problemCount() == 0) {
        sweep.run(live, dryRun, expected, listener);
      } else {
        LOG.warn(
            "garbage collection removed nothing: {} manifest node(s) could not be read, so the"
                + " chunks below them are unknown; first: {}",
            marker.problemCount(),
            marker.problems().get(0));
      }
      PassReport report =
          new PassReport(
              dryRun,
              startedAt,
              Duration.ofNanos(nanoTime.getAsLong() - t0),
              rootCount[0],
              held.size(),
              marker.nodes(),
              live.bytes(),
              sweep.examined,
              sweep.examinedBytes,
              sweep.garbage,
              sweep.garbageBytes,
              sweep.removed,
              sweep.removedBytes,
              sweep.kept,
              store.quarantined().size(),
              marker.problemCount() == 0,
              marker.problems());
      LOG.info(
          "gc {}: {} blobs examined, {} garbage ({} bytes), {} removed ({} bytes) in {} ms",
          dryRun ? "dry run" : "pass",
          report.examinedBlobs(),
          report.garbageBlobs(),
          report.garbageBytes(),
          report.removedBlobs(),
          report.removedBytes(),
          report.elapsed().toMillis());
      return report;
    }
  }

  /** The sweep's tallies. */
  private final class Sweep {
    long examined;
    long examinedBytes;
    long garbage;
    long garbageBytes;
    long removed;
    long removedBytes;
    long kept;

    void run(LiveSet live, boolean dryRun, long expected, PassListener listener)
        throws IOException {
      listener.phase(PassListener.Phase.SWEEP, expected);
      Optional<BlobRef> after = Optional.empty();
      while (true) {
        List<BlobInfo> page = store.blobs().enumerate(after, PAGE);
        if (page.isEmpty()) {
          return;
        }
        List<BlobInfo> dead = new ArrayList<>();
        for (BlobInfo b : page) {
          examined++;
          examinedBytes += b.size();
          if (!live.mightContain(b.ref())) {
            dead.add(b);
          }
        }
        // One removal call per page: the store makes the page's removals durable together.
        boolean[] gone =
            dryRun || dead.isEmpty()
                ? new boolean[dead.size()]
                : store.blobs().removeAll(dead.stream().map(BlobInfo::ref).toList());
        for (int i = 0; i < gone.length; i++) {
          BlobInfo b = dead.get(i);
          garbage++;
          garbageBytes += b.size();
          if (gone[i]) {
            removed++;
            removedBytes += b.size();
          } else if (!dryRun) {
            kept++;
          }
          listener.garbage(b, gone[i]);
        }
        listener.progress(examined);
        after = Optional.of(page.get(page.size() - 1).ref());
      }
    }
  }
}
