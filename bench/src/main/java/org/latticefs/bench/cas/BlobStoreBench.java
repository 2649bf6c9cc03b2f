package org.latticefs.bench.cas;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * DiskBlobStore throughput, as ratios measured in one run (rounds interleaved A B C A B C…, medians
 * reported).
 *
 * <ol>
 *   <li>Durability cost: 1,000 × 64 KiB blobs stored one durable receive each (fsync per blob) vs
 *       one batch with a single commit (syncfs, or per-file fsyncs on 16 or 1 threads).
 *   <li>Raw throughput: one file of {@code --size-mib} random bytes stored by {@code cp} (+ {@code
 *       sync FILE}), by {@code receive(InputStream)} as one blob, and as 64 KiB or 256 KiB pieces
 *       in one batch.
 * </ol>
 *
 * <p>Run from the repository root:
 *
 * <pre>
 * bench/run BlobStoreBench --dir /var/tmp/blobstore-bench --size-mib 1024 --rounds 3
 * </pre>
 *
 * <p>{@code --dir} must be on the disk to measure; it is created and deleted afterwards. {@code
 * --only durability|throughput} runs one part.
 */
public final class BlobStoreBench {
  private BlobStoreBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    Path dir = Path.of(opts.getOrDefault("--dir", "target/blobstore-bench")).toAbsolutePath();
    int sizeMib = Integer.parseInt(opts.getOrDefault("--size-mib", "1024"));
    int rounds = Integer.parseInt(opts.getOrDefault("--rounds", "3"));
    int blobs = Integer.parseInt(opts.getOrDefault("--blobs", "1000"));
    Files.createDirectories(dir);
    System.out.printf(
        "BlobStoreBench: dir=%s size=%d MiB rounds=%d blobs=%d, BLAKE3=%s, nproc=%d%n",
        dir,
        sizeMib,
        rounds,
        blobs,
        Blake3.implementation(),
        Runtime.getRuntime().availableProcessors());
    String only = opts.getOrDefault("--only", "all");
    try {
      if (!only.equals("throughput")) {
        durability(dir, blobs, rounds);
      }
      if (!only.equals("durability")) {
        throughput(dir, sizeMib, rounds);
      }
    } finally {
      deleteTree(dir);
    }
  }

  private static void durability(Path dir, int count, int rounds) throws IOException {
    int size = 64 * 1024;
    Map<String, List<Double>> secs = new LinkedHashMap<>();
    Random random = new Random(1);
    for (int round = 0; round < rounds; round++) {
      for (String mode :
          List.of(
              "per-blob fsync", "batch, syncfs", "batch, fsync x16 threads", "batch, fsync x1")) {
        // Fresh content every run, so nothing dedups against an earlier run.
        List<byte[]> data = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
          byte[] b = new byte[size];
          random.nextBytes(b);
          data.add(b);
        }
        Path root = dir.resolve("durability");
        DiskBlobStore.Options options = DiskBlobStore.Options.defaults();
        if (mode.contains("fsync x")) {
          options =
              options
                  .withBatchSyncfs(false)
                  .withSyncThreads(Integer.parseInt(mode.replaceAll(".*x(\\d+).*", "$1")));
        }
        double s;
        try (DiskBlobStore store = DiskBlobStore.open(root, options)) {
          long t0 = System.nanoTime();
          if (mode.startsWith("per-blob")) {
            for (byte[] b : data) {
              store.receive(b);
            }
          } else {
            try (BlobBatch batch = store.newBatch()) {
              for (byte[] b : data) {
                batch.receive(b, 0, b.length);
              }
              batch.commit();
            }
          }
          s = (System.nanoTime() - t0) / 1e9;
          if (store.blobCount() != count) {
            throw new IllegalStateException("stored " + store.blobCount() + " of " + count);
          }
        }
        deleteTree(root);
        secs.computeIfAbsent(mode, k -> new ArrayList<>()).add(s);
        System.out.printf("  round %d %-24s %.3f s%n", round, mode, s);
      }
    }
    double mib = (double) count * size / (1 << 20);
    System.out.printf("%n%d x 64 KiB blobs, medians of %d:%n", count, rounds);
    System.out.println("| mode | seconds | blobs/s | MiB/s | vs per-blob |");
    System.out.println("|---|---|---|---|---|");
    double base = median(secs.get("per-blob fsync"));
    for (Map.Entry<String, List<Double>> e : secs.entrySet()) {
      double m = median(e.getValue());
      System.out.printf(
          "| %s | %.3f | %.0f | %.1f | %.2fx |%n", e.getKey(), m, count / m, mib / m, base / m);
    }
    System.out.println();
  }

  private static void throughput(Path dir, int sizeMib, int rounds) throws Exception {
    Path src = dir.resolve("source.bin");
    writeRandomFile(src, (long) sizeMib << 20);
    Map<String, List<Double>> secs = new LinkedHashMap<>();
    for (int round = 0; round < rounds; round++) {
      // cp alone, then its fsync, timed separately so both figures are visible.
      Path dst = dir.resolve("copy.bin");
      long t0 = System.nanoTime();
      run("cp", src.toString(), dst.toString());
      double cp = (System.nanoTime() - t0) / 1e9;
      run("sync", dst.toString());
      double cpSync = (System.nanoTime() - t0) / 1e9;
      Files.delete(dst);
      add(secs, "cp", cp, round);
      add(secs, "cp + sync FILE", cpSync, round);

      Path root = dir.resolve("store");
      try (DiskBlobStore store = DiskBlobStore.open(root)) {
        t0 = System.nanoTime();
        try (InputStream in = Files.newInputStream(src)) {
          store.receive(in);
        }
        add(
            secs,
            "DiskBlobStore receive(InputStream), 1 blob",
            (System.nanoTime() - t0) / 1e9,
            round);
      }
      deleteTree(root);

      for (int kib : new int[] {64, 256}) {
        try (DiskBlobStore store = DiskBlobStore.open(root)) {
          t0 = System.nanoTime();
          byte[] piece = new byte[kib * 1024];
          try (InputStream in = Files.newInputStream(src);
              BlobBatch batch = store.newBatch()) {
            int n;
            while ((n = in.readNBytes(piece, 0, piece.length)) > 0) {
              batch.receive(piece, 0, n);
            }
            batch.commit();
          }
          add(
              secs,
              "DiskBlobStore batch of " + kib + " KiB blobs",
              (System.nanoTime() - t0) / 1e9,
              round);
        }
        deleteTree(root);
      }
    }
    Files.delete(src);
    double mib = sizeMib;
    System.out.printf("%n%d MiB file (warm page cache), medians of %d:%n", sizeMib, rounds);
    System.out.println("| writer | seconds | MiB/s | vs cp + sync |");
    System.out.println("|---|---|---|---|");
    double base = median(secs.get("cp + sync FILE"));
    for (Map.Entry<String, List<Double>> e : secs.entrySet()) {
      double m = median(e.getValue());
      System.out.printf("| %s | %.2f | %.0f | %.2fx |%n", e.getKey(), m, mib / m, base / m);
    }
  }

  private static void add(Map<String, List<Double>> secs, String name, double s, int round) {
    secs.computeIfAbsent(name, k -> new ArrayList<>()).add(s);
    System.out.printf("  round %d %-44s %.2f s%n", round, name, s);
  }

  private static void writeRandomFile(Path file, long bytes) throws Exception {
    Random r = new Random(2);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out =
        Files.newOutputStream(
            file, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING)) {
      for (long left = bytes; left > 0; left -= buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, left));
      }
    }
    run("sync", file.toString());
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    if (p.waitFor() != 0) {
      throw new IOException(String.join(" ", cmd) + " exited " + p.exitValue());
    }
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value, got " + args[i]);
      }
      m.put(args[i], args[i + 1]);
    }
    return m;
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
            Files.delete(f);
            return FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
            Files.delete(d);
            return FileVisitResult.CONTINUE;
          }
        });
  }
}
