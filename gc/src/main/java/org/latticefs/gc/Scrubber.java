package org.latticefs.gc;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.chunk.MalformedManifestException;
import org.latticefs.cas.chunk.Manifest;

/**
 * Checks every blob of the store ({@code fsck}, and the background scrub): re-reads and re-hashes
 * each one (the store quarantines a blob whose bytes do not match its name), lists the files whose
 * content reaches a bad blob, and with {@code repair} fetches a good copy of each bad blob through
 * the fetch seam (peers; locally there is none, and the blob stays quarantined).
 *
 * <p>Streams: one page of the enumeration and one blob at a time; the bad refs found (quarantined
 * ones, usually few) are kept in memory. At most {@code bytesPerSecond} are read (0: no limit), so
 * a background scrub leaves the disk to its users. Progress is readable while it runs ({@link
 * #progress}). Not thread-safe: one run at a time.
 */
public final class Scrubber {
  /** Files that lost data listed in a report (all are counted). */
  static final int MAX_LISTED = 1000;

  private final CollectableStore store;
  private final BlobFetcher repairSource;
  private final NamedFiles files;
  private final InstantSource clock;
  private final LongSupplier nanoTime;
  private final Sleeper sleeper;
  private final AtomicLong doneBlobs = new AtomicLong();
  private final AtomicLong doneBytes = new AtomicLong();

  /** Waits; tests pass one that does not. */
  @FunctionalInterface
  public interface Sleeper {
    void sleepNanos(long nanos) throws InterruptedException;
  }

  /**
   * What one run found.
   *
   * @param checked blobs re-read
   * @param checkedBytes their bytes
   * @param bad refs found corrupt now or quarantined before (the first thousand)
   * @param badCount how many
   * @param repaired bad refs a good copy was fetched for
   * @param lostFiles paths of files whose content reaches a bad blob not repaired (the first
   *     thousand), each as {@code path (manifest)}
   * @param lostFileCount how many
   */
  public record Report(
      boolean repair,
      Instant startedAt,
      Duration elapsed,
      long checked,
      long checkedBytes,
      List<String> bad,
      long badCount,
      long repaired,
      List<String> lostFiles,
      long lostFileCount) {
    public Report {
      bad = List.copyOf(bad);
      lostFiles = List.copyOf(lostFiles);
    }
  }

  public Scrubber(
      CollectableStore store,
      BlobFetcher repairSource,
      NamedFiles files,
      InstantSource clock,
      LongSupplier nanoTime,
      Sleeper sleeper) {
    this.store = store;
    this.repairSource = repairSource;
    this.files = files;
    this.clock = clock;
    this.nanoTime = nanoTime;
    this.sleeper = sleeper;
  }

  /** {blobs, bytes} checked so far by the run in progress (or the last one). */
  public long[] progress() {
    return new long[] {doneBlobs.get(), doneBytes.get()};
  }

  /** Checks every blob (see the class doc). */
  public Report run(boolean repair, long bytesPerSecond) throws IOException, InterruptedException {
    Instant startedAt = clock.instant();
    long t0 = nanoTime.getAsLong();
    doneBlobs.set(0);
    doneBytes.set(0);
    Set<BlobRef> bad = new LinkedHashSet<>(store.quarantined());
    Optional<BlobRef> after = Optional.empty();
    while (true) {
      List<BlobInfo> page = store.blobs().enumerate(after, Collector.PAGE);
      if (page.isEmpty()) {
        break;
      }
      for (BlobInfo b : page) {
        try {
          store.blobs().fetch(b.ref());
        } catch (CorruptBlobException e) {
          bad.add(b.ref());
        } catch (BlobNotFoundException e) {
          // removed meanwhile
        }
        doneBlobs.incrementAndGet();
        long done = doneBytes.addAndGet(b.size());
        if (bytesPerSecond > 0) {
          long due = t0 + done * 1_000_000_000L / bytesPerSecond;
          long wait = due - nanoTime.getAsLong();
          if (wait > 0) {
            sleeper.sleepNanos(wait);
          }
        }
      }
      after = Optional.of(page.get(page.size() - 1).ref());
    }
    long repaired = 0;
    if (repair) {
      for (BlobRef r : List.copyOf(bad)) {
        try {
          byte[] good = repairSource.fetch(r);
          if (store.blobs().receive(good).equals(r)) {
            bad.remove(r);
            repaired++;
          }
        } catch (BlobNotFoundException | CorruptBlobException e) {
          // no good copy anywhere: stays quarantined
        }
      }
    }
    List<String> lost = new ArrayList<>();
    long[] lostCount = {0};
    if (!bad.isEmpty()) {
      files.forEach(
          (path, manifest) -> {
            if (reaches(manifest, bad, 0)) {
              lostCount[0]++;
              if (lost.size() < MAX_LISTED) {
                lost.add(path + " (" + manifest.hex() + ")");
              }
            }
          });
    }
    List<String> badList = new ArrayList<>();
    for (BlobRef r : bad) {
      if (badList.size() >= MAX_LISTED) {
        break;
      }
      badList.add(r.hex());
    }
    return new Report(
        repair,
        startedAt,
        Duration.ofNanos(nanoTime.getAsLong() - t0),
        doneBlobs.get(),
        doneBytes.get(),
        badList,
        bad.size(),
        repaired,
        lost,
        lostCount[0]);
  }

  /** Whether {@code node}'s tree reaches a bad ref, or a node of it cannot be read here. */
  private boolean reaches(BlobRef node, Set<BlobRef> bad, int depth) throws IOException {
    if (bad.contains(node)) {
      return true;
    }
    Manifest m;
    try {
      m = Manifest.decode(store.blobs().fetch(node));
    } catch (BlobNotFoundException | CorruptBlobException | MalformedManifestException e) {
      return true;
    }
    if (depth > Manifest.MAX_LEVEL) {
      return true;
    }
    for (int i = 0; i < m.entryCount(); i++) {
      if (m.isHole(i)) {
        continue;
      }
      BlobRef child = m.ref(i);
      if (m.isLeaf() ? bad.contains(child) : reaches(child, bad, depth + 1)) {
        return true;
      }
    }
    return false;
  }
}
