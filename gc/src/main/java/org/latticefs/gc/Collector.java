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
 * thousand manifest nodes walked; nothing grows with the number of roots ({@link #measure}, for
 * {@code du}, adds three such sets). Quarantined blobs are not among the blobs present: they are
 * counted in the report and never removed.
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
      return pass(dryRun, listener, null);
    } finally {
      running.unlock();
    }
  }

  /**
   * Runs one dry-run pass (removes nothing) that also sorts the live blobs into pinned, referenced
   * and cache, starting from {@code classes} (see {@link LiveClasses}): what {@code du} shows. Its
   * live set is the collector's own, so the classes add up to exactly what a pass would keep (a
   * garbage blob a Bloom false positive keeps counts as live, as in any pass).
   *
   * @throws IOException if the store or a class root fails
   */
  public LiveUsage measure(UsageRoots classes, PassListener listener) throws IOException {
    running.lock();
    try {
      long expected = store.blobCount();
      LiveClasses sorter = new LiveClasses(classes, store.blobs(), room(expected), nextSeed());
      return sorter.usage(pass(true, listener, sorter));
    } finally {
      running.unlock();
    }
  }

  /** Refs to size a live set for, given the store's blob count (blobs come during a pass). */
  private static long room(long expected) {
    return expected + expected / 8 + 1024;
  }

  private long nextSeed() {
    synchronized (random) {
      return random.nextLong();
    }
  }

  /**
   * @param classes sorts the live blobs as the sweep finds them (a measuring dry run), or null
   */
  private PassReport pass(boolean dryRun, PassListener listener, LiveClasses classes)
      throws IOException {
    Instant startedAt = clock.instant();
    long t0 = nanoTime.getAsLong();
    HoldTable holds = store.holds();
    try (HoldTable.Pass pass = holds.beginPass()) {
      long expected = store.blobCount();
      LiveSet live = LiveSet.sized(room(expected), nextSeed());
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
      Sweep sweep = new Sweep(classes);
      if (marker.problemCount() == 0) {
        if (classes != null) {
          classes.mark(held);
        }
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
              live.bytes() + (classes == null ? 0 : classes.bytes()),
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
    private final LiveClasses classes;
    long examined;
    long examinedBytes;
    long garbage;
    long garbageBytes;
    long removed;
    long removedBytes;
    long kept;

    /**
     * @param classes told each live blob, or null
     */
    Sweep(LiveClasses classes) {
      this.classes = classes;
    }

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
          } else if (classes != null) {
            classes.count(b);
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
