package org.latticefs.bench.cas;

import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Locale;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.ManifestShape;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * The per-chunk cost on disk: durable ingest time and disk usage of the same random file into a
 * fresh {@link DiskBlobStore} with each candidate chunk size, interleaved, medians. Complements
 * {@link ChunkSizeBench} (dedup) when choosing {@link Chunker#DEFAULT}.
 *
 * <p>Arguments: {@code [dir] [size-MiB] [rounds]}, defaults {@code /tmp 256 3}.
 *
 * <p>Run from the repository root: {@code bench/run ChunkStoreCostBench /tmp 256 3}. Figures in
 * BENCHMARKS.md.
 */
public final class ChunkStoreCostBench {
  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/tmp");
    long size = (args.length > 1 ? Long.parseLong(args[1]) : 256) << 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    List<Chunker> candidates =
        List.of(
            new Chunker(8 << 10, 32 << 10, 128 << 10, 2),
            new Chunker(16 << 10, 64 << 10, 256 << 10, 2),
            new Chunker(32 << 10, 128 << 10, 512 << 10, 2),
            new Chunker(64 << 10, 256 << 10, 1 << 20, 2),
            new Chunker(128 << 10, 512 << 10, 2 << 20, 2));
    Path dir = Files.createTempDirectory(base, "chunkcost");
    try {
      Path src = dir.resolve("src.bin");
      IngestBench.writeRandom(src, size, 2);
      double[][] t = new double[candidates.size()][rounds];
      long[] du = new long[candidates.size()];
      long[] chunks = new long[candidates.size()];
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < candidates.size(); i++) {
          Path storeDir = dir.resolve("store");
          long t0 = System.nanoTime();
          try (DiskBlobStore store = DiskBlobStore.open(storeDir);
              FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
            IngestResult res =
                new FileIngester(store, candidates.get(i), ManifestShape.DEFAULT).ingest(ch);
            chunks[i] = res.chunkCount();
          }
          t[i][r] = (System.nanoTime() - t0) / 1e9;
          du[i] = IngestBench.du(storeDir);
          IngestBench.deleteTree(storeDir);
          IngestBench.sync();
        }
      }
      System.out.printf(
          Locale.ROOT,
          "%d MiB random file, durable ingest into a fresh DiskBlobStore, median of %d%n%n",
          size >> 20,
          rounds);
      System.out.println("| min/avg/max | chunks | ingest s | MB/s | disk used / file size |");
      System.out.println("|---|---|---|---|---|");
      for (int i = 0; i < candidates.size(); i++) {
        Chunker c = candidates.get(i);
        double m = IngestBench.median(t[i]);
        System.out.printf(
            Locale.ROOT,
            "| %dK/%dK/%dK | %d | %.2f | %.0f | %.4f |%n",
            c.minSize() >> 10,
            c.avgSize() >> 10,
            c.maxSize() >> 10,
            chunks[i],
            m,
            size / 1e6 / m,
            (double) du[i] / size);
      }
    } finally {
      IngestBench.deleteTree(dir);
    }
  }
}
