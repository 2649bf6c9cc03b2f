package org.latticefs.bench.cas;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * What storing one small file costs the blob store: every regular file of a source tree larger than
 * the inline limit (4 KiB) ingested as its own durable ingest (one batch and commit each, as a file
 * closed on the mount is), with the store's ingester as fs gets it (pipelined) and on the calling
 * thread, with the batch committed by {@code syncfs} and by per-file fsyncs. Rounds interleave the
 * variants, each into a fresh store; prints milliseconds per file (wall) and process CPU per file.
 *
 * <p>Arguments: {@code dir [source=/usr/include] [rounds=5] [maxFiles=2000]}: {@code bench/run
 * SmallIngestBench /var/tmp/sib /usr/include 5 2000}.
 */
public final class SmallIngestBench {
  private SmallIngestBench() {}

  private record Variant(String name, boolean pipelined, boolean syncfs) {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp/sib");
    Path src = Path.of(args.length > 1 ? args[1] : "/usr/include");
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int max = args.length > 3 ? Integer.parseInt(args[3]) : 2000;
    List<Path> files;
    try (Stream<Path> s = Files.walk(src)) {
      files =
          s.filter(p -> Files.isRegularFile(p) && size(p) > 4096 && size(p) <= (1 << 20))
              .limit(max)
              .toList();
    }
    List<Variant> variants =
        List.of(
            new Variant("pipelined+syncfs", true, true),
            new Variant("caller+syncfs", false, true),
            new Variant("pipelined+fsync", true, false),
            new Variant("caller+fsync", false, false));
    List<List<Double>> wall = new ArrayList<>();
    List<List<Double>> cpu = new ArrayList<>();
    variants.forEach(v -> wall.add(new ArrayList<>()));
    variants.forEach(v -> cpu.add(new ArrayList<>()));
    var os =
        (com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    for (int r = -1; r < rounds; r++) {
      for (int i = 0; i < variants.size(); i++) {
        Variant v = variants.get(i);
        Path dir = base.resolve("store-" + i);
        Shell.deleteTree(dir);
        try (DiskBlobStore store =
            DiskBlobStore.open(dir, DiskBlobStore.Options.defaults().withBatchSyncfs(v.syncfs))) {
          FileIngester ing = new FileIngester(store);
          if (!v.pipelined) {
            ing = ing.singleThreaded();
          }
          long c0 = os.getProcessCpuTime();
          long t0 = System.nanoTime();
          for (Path f : files) {
            try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
              ing.ingest(ch);
            }
          }
          double ms = (System.nanoTime() - t0) / 1e6 / files.size();
          double cms = (os.getProcessCpuTime() - c0) / 1e6 / files.size();
          if (r >= 0) {
            wall.get(i).add(ms);
            cpu.get(i).add(cms);
          }
          System.err.printf(
              Locale.ROOT, "round %d %s: %.3f ms/file, %.3f CPU-ms/file%n", r, v.name, ms, cms);
        }
        Shell.deleteTree(dir);
      }
    }
    System.out.printf(
        Locale.ROOT, "%d files of %s, medians of %d rounds:%n", files.size(), src, rounds);
    for (int i = 0; i < variants.size(); i++) {
      System.out.printf(
          Locale.ROOT,
          "  %-18s %.3f ms/file  %.3f CPU-ms/file  (wall vs first: %.2fx)%n",
          variants.get(i).name,
          Median.of(wall.get(i)),
          Median.of(cpu.get(i)),
          Median.of(wall.get(0)) / Median.of(wall.get(i)));
    }
  }

  private static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }
}
