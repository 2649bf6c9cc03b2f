package org.latticefs.bench.cas;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Locale;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Ingest of content the store already holds (duplicate-heavy input): what a receive that dedups
 * costs. One file is ingested once into a store, then ingested again {@code rounds} times with the
 * store kept open ("open"), and {@code rounds} times each right after the store was closed and
 * opened again ("reopened": the first dedup of each blob since the process opened the store).
 * Prints the medians (wall seconds and process CPU seconds) on one line, so that runs of two builds
 * can be interleaved and compared round by round.
 *
 * <p>Arguments: {@code dir size-MiB rounds}, defaults {@code /var/tmp 512 5}. Run from the
 * repository root: {@code bench/run DedupIngestBench /var/tmp 512 5}.
 */
public final class DedupIngestBench {
  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp");
    long size = (args.length > 1 ? Long.parseLong(args[1]) : 512) << 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    Path dir = Files.createTempDirectory(base, "dedupbench");
    try {
      Path src = dir.resolve("src.bin");
      IngestBench.writeRandom(src, size, 3);
      Path storeDir = dir.resolve("store");
      IngestResult first;
      try (DiskBlobStore store = DiskBlobStore.open(storeDir)) {
        first = ingest(store, src);
      }
      double[] open = new double[rounds];
      double[] reopened = new double[rounds];
      double[] openCpu = new double[rounds];
      double[] reopenedCpu = new double[rounds];
      try (DiskBlobStore store = DiskBlobStore.open(storeDir)) {
        // Warm-up: JIT, and the first dedup of each blob since this open.
        ingest(store, src);
        for (int r = 0; r < rounds; r++) {
          timeIngest(store, src, first, open, openCpu, r);
        }
      }
      for (int r = 0; r < rounds; r++) {
        try (DiskBlobStore store = DiskBlobStore.open(storeDir)) {
          timeIngest(store, src, first, reopened, reopenedCpu, r);
        }
      }
      System.out.printf(
          Locale.ROOT,
          "dedup ingest of %d MiB (%d chunks), medians of %d: open %.3f s %.3f CPU-s, reopened"
              + " %.3f s %.3f CPU-s (wall: open %s; reopened %s)%n",
          size >> 20,
          first.chunkCount(),
          rounds,
          IngestBench.median(open),
          IngestBench.median(openCpu),
          IngestBench.median(reopened),
          IngestBench.median(reopenedCpu),
          Arrays.toString(open),
          Arrays.toString(reopened));
    } finally {
      IngestBench.deleteTree(dir);
    }
  }

  private static IngestResult ingest(DiskBlobStore store, Path src) throws Exception {
    try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
      return new FileIngester(store).ingest(ch);
    }
  }

  /** Ingests {@code src} again; puts its wall and CPU seconds at {@code r} of the arrays. */
  private static void timeIngest(
      DiskBlobStore store, Path src, IngestResult first, double[] wall, double[] cpu, int r)
      throws Exception {
    double c0 = IngestBench.processCpu();
    long t0 = System.nanoTime();
    IngestResult again = ingest(store, src);
    wall[r] = (System.nanoTime() - t0) / 1e9;
    cpu[r] = IngestBench.processCpu() - c0;
    if (!first.manifest().equals(again.manifest())) {
      throw new IllegalStateException("a second ingest gave another manifest");
    }
  }
}
