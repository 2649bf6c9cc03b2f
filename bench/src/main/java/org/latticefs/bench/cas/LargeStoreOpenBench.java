package org.latticefs.bench.cas;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * How long a {@link DiskBlobStore} of millions of blobs takes to open after a clean close (issue
 * 12's goal: 10 million blobs in at most 2 s): the store is made by {@link GeneratedStore} (its
 * records written directly, without blob files unless {@code files}), then opened and closed {@code
 * rounds} times with the page cache as it is ("warm") and, as root, as many times after dropping it
 * ("cold"). Each open is checked: it must report every generated blob (an open that walked the
 * shards instead of trusting the usage record would count none without files) and an access time
 * for each ref. Prints the open times (the close is timed apart), the heap in use after an open and
 * the access table's size (it lives in mapped files, off the heap).
 *
 * <p>Arguments: {@code [dir] [count] [rounds] [files]}, defaults {@code /var/tmp 10000000 5}; with
 * {@code -Dlargestore.existing=DIR} it opens the store already in {@code DIR} (left by an earlier
 * run) instead of generating one, and keeps it. Run from the repository root: {@code bench/run
 * LargeStoreOpenBench /var/tmp 10000000 5}.
 */
public final class LargeStoreOpenBench {
  private LargeStoreOpenBench() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp");
    long count = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    boolean files = args.length > 3 && args[3].equals("files");
    boolean root = "root".equals(System.getProperty("user.name"));
    String existing = System.getProperty("largestore.existing");
    Path dir = existing != null ? Path.of(existing) : Files.createTempDirectory(base, "largestore");
    try {
      long t0 = System.nanoTime();
      GeneratedStore.Written w;
      if (existing != null) {
        try (DiskBlobStore s = DiskBlobStore.open(dir)) {
          w = new GeneratedStore.Written(s.blobCount(), s.bytesStored(), 0);
        }
      } else {
        w = GeneratedStore.write(dir, count, 4096, files, 1);
      }
      System.out.printf(
          Locale.ROOT,
          "generated %,d blobs (%s), access snapshot %,d bytes, in %.1f s%n",
          w.blobs(),
          files ? "with files" : "records only",
          w.accessFileBytes(),
          (System.nanoTime() - t0) / 1e9);
      double[] warm = new double[rounds];
      double[] cold = new double[root ? rounds : 0];
      double[] close = new double[rounds];
      for (int i = 0; i < rounds; i++) {
        warm[i] = openOnce(dir, w, close, i, false);
        if (root) {
          Shell.dropCaches();
          cold[i] = openOnce(dir, w, close, i, true);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "open after a clean close, %,d blobs: warm median %.2f s (%s), cold median %s (%s);"
              + " close median %.2f s; load %s%n",
          count,
          Median.of(warm),
          join(warm),
          cold.length == 0 ? "-" : String.format(Locale.ROOT, "%.2f s", Median.of(cold)),
          join(cold),
          Median.of(close),
          Shell.loadavg());
    } finally {
      if (existing == null) {
        IngestBench.deleteTree(dir);
      }
    }
  }

  /** Opens the store, checks it, closes it; returns the open's seconds. */
  private static double openOnce(
      Path dir, GeneratedStore.Written w, double[] close, int round, boolean cold)
      throws Exception {
    java.lang.management.ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long cpu = threads.getCurrentThreadCpuTime();
    long t = System.nanoTime();
    DiskBlobStore s = DiskBlobStore.open(dir);
    double open = (System.nanoTime() - t) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "open %s: %.2f s (%.2f CPU-s of this thread); load %s%n",
        cold ? "cold" : "warm",
        open,
        (threads.getCurrentThreadCpuTime() - cpu) / 1e9,
        Shell.loadavg());
    try {
      if (s.blobCount() != w.blobs() || s.bytesStored() != w.blobBytes()) {
        throw new IllegalStateException(
            "the open counted " + s.blobCount() + " blobs, " + w.blobs() + " were generated");
      }
      // Two refs of 10 million share an 8-byte key with a probability near 3 in a million.
      int tracked = s.accessTracker().size();
      if (tracked < w.blobs() - 2) {
        throw new IllegalStateException(tracked + " access times for " + w.blobs() + " blobs");
      }
      if (round == 0 && !cold) {
        MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
        System.gc();
        System.out.printf(
            Locale.ROOT,
            "after an open: heap in use %.0f MiB, access table %.0f MiB (mapped, off the heap)%n",
            mem.getHeapMemoryUsage().getUsed() / 1048576.0,
            s.accessTracker().tableBytes() / 1048576.0);
      }
    } finally {
      long c = System.nanoTime();
      s.close();
      close[round] = (System.nanoTime() - c) / 1e9;
    }
    return open;
  }

  private static String join(double[] xs) {
    StringBuilder b = new StringBuilder();
    for (double x : xs) {
      b.append(b.length() == 0 ? "" : " / ").append(String.format(Locale.ROOT, "%.2f", x));
    }
    return b.toString();
  }
}
