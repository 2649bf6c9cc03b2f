package org.latticefs.bench.cas;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
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
import java.util.SplittableRandom;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Small random reads of large blobs: {@link DiskBlobStore#fetchRange} against reading the whole
 * blob and against a plain, unverified {@code pread} of the same bytes of the same blob file (the
 * peer: what a passthrough filesystem does). Rounds are interleaved and medians reported.
 *
 * <ol>
 *   <li>Random reads: a store of {@code --gib} GiB of random blobs of 64 KiB to 1 MiB (about 300
 *       KiB on average, like the chunker's output); {@code --reads} reads of 4 KiB at random
 *       offsets of random blobs, one thread, the same sequence for every method within a round.
 *       Before each method the page cache is dropped ({@code echo 3 > /proc/sys/vm/drop_caches},
 *       needs root) unless {@code --warm}. Methods: {@code pread} (peer), {@code fetchRange} with
 *       the blobs' outboards cached, {@code fetchRange} right after opening the store (no outboard
 *       yet and none saved: each read verifies its whole blob, computing and saving its outboard),
 *       {@code fetchRange} right after opening the store again (loading the saved outboards),
 *       {@code fetch} + slice, and a plain {@code pread} of the whole groups a range read reads
 *       (its I/O, unverified). The peer opens and closes the file per read; the store keeps the
 *       files it range-reads open.
 *   <li>Hashing: the one-pass outboard ({@link Outboard#compute}) against {@link Blake3#hash} over
 *       the same in-memory blobs (256 MiB of 1 MiB or 300 KiB blobs), alternating blob by blob,
 *       timed in thread CPU time.
 * </ol>
 *
 * <p>Run from the repository root (as root, for the cache drops):
 *
 * <pre>
 * bench/run RangeReadBench --dir /var/tmp/range-bench --gib 1 --reads 2000 --rounds 3
 * </pre>
 *
 * {@code --dir} must be on the disk to measure; it is deleted afterwards unless {@code --keep}.
 */
public final class RangeReadBench {
  private RangeReadBench() {}

  private static final int READ = 4096;

  /** Keeps the JIT from dropping reads whose result is unused. */
  static volatile int sinkHole;

  public static void main(String[] args) throws Exception {
    Map<String, String> opts = parse(args);
    Path dir = Path.of(opts.getOrDefault("--dir", "target/range-bench")).toAbsolutePath();
    double gib = Double.parseDouble(opts.getOrDefault("--gib", "1"));
    int reads = Integer.parseInt(opts.getOrDefault("--reads", "2000"));
    int rounds = Integer.parseInt(opts.getOrDefault("--rounds", "3"));
    boolean warm = opts.containsKey("--warm");
    String only = opts.getOrDefault("--only", "all");
    System.out.printf(
        "RangeReadBench: dir=%s %.2f GiB, %d reads of %d bytes, rounds=%d, %s page cache,"
            + " BLAKE3=%s, nproc=%d%n",
        dir,
        gib,
        reads,
        READ,
        rounds,
        warm ? "warm" : "cold (dropped before each method)",
        Blake3.implementation(),
        Runtime.getRuntime().availableProcessors());
    if (!only.equals("reads")) {
      hashing(rounds);
    }
    if (only.equals("hash")) {
      return;
    }
    try {
      randomReads(dir, (long) (gib * (1L << 30)), reads, rounds, warm);
    } finally {
      if (!opts.containsKey("--keep")) {
        deleteTree(dir);
      }
    }
  }

  private record Blob(BlobRef ref, int size, Path file) {}

  private interface Method {
    /** Reads {@code READ} bytes at {@code offset} of {@code blob}; returns a byte of them. */
    int read(Blob blob, long offset) throws IOException;
  }

  private static void randomReads(Path dir, long totalBytes, int reads, int rounds, boolean warm)
      throws Exception {
    Files.createDirectories(dir);
    List<Blob> blobs = new ArrayList<>();
    DiskBlobStore.Options options = DiskBlobStore.Options.defaults();
    DiskBlobStore[] store = {DiskBlobStore.open(dir, options)};
    try {
      SplittableRandom random = new SplittableRandom(42);
      long t0 = System.nanoTime();
      long stored = 0;
      byte[] data = new byte[1 << 20];
      try (BlobBatch batch = store[0].newBatch()) {
        while (stored < totalBytes) {
          // Skewed towards small sizes like content-defined chunks: 64 KiB + 960 KiB * u^3, mean
          // 304 KiB.
          double u = random.nextDouble();
          int size = (int) (64 * 1024 + 960 * 1024 * u * u * u);
          fill(random, data, size);
          BlobRef ref = batch.receive(data, 0, size);
          blobs.add(new Blob(ref, size, blobFile(store[0], ref)));
          stored += size;
        }
        batch.commit();
      }
      System.out.printf(
          "%nstored %d blobs, %d MiB (mean %d KiB) in %.1f s%n",
          blobs.size(), stored >> 20, stored / blobs.size() / 1024, (System.nanoTime() - t0) / 1e9);

      Map<String, Method> methods = new LinkedHashMap<>();
      methods.put("pread 4 KiB, unverified (peer)", RangeReadBench::pread);
      methods.put(
          "fetchRange, outboard cached", (b, off) -> store[0].fetchRange(b.ref, off, READ)[0]);
      methods.put(
          "fetchRange, no outboard yet", (b, off) -> store[0].fetchRange(b.ref, off, READ)[0]);
      methods.put(
          "fetchRange, outboard saved (first read after open)",
          (b, off) -> store[0].fetchRange(b.ref, off, READ)[0]);
      methods.put(
          "fetch whole blob + slice",
          (b, off) -> Arrays.copyOfRange(store[0].fetch(b.ref), (int) off, (int) off + READ)[0]);
      methods.put("pread of the covering 16 KiB groups, unverified", RangeReadBench::preadGroups);
      Map<String, List<Double>> rates = new LinkedHashMap<>();
      methods.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
      List<String> names = new ArrayList<>(methods.keySet());

      for (int round = 0; round < rounds; round++) {
        SplittableRandom r = new SplittableRandom(1000 + round);
        int[] which = new int[reads];
        long[] offsets = new long[reads];
        for (int i = 0; i < reads; i++) {
          which[i] = r.nextInt(blobs.size());
          offsets[i] = r.nextLong(blobs.get(which[i]).size - READ + 1);
        }
        // "no outboard yet" runs on a freshly opened store without saved outboards; it saves those
        // of exactly the blobs this round reads, which "saved" (a store opened again) then loads,
        // right before "cached" finds them in memory. The other methods rotate.
        List<String> order =
            new ArrayList<>(List.of(names.get(0), names.get(4), names.get(5), "triple"));
        java.util.Collections.rotate(order, round);
        List<String> run = new ArrayList<>();
        for (String name : order) {
          if (name.equals("triple")) {
            run.add(names.get(2));
            run.add(names.get(3));
            run.add(names.get(1));
          } else {
            run.add(name);
          }
        }
        StringBuilder line = new StringBuilder("round " + (round + 1) + ":");
        for (String name : run) {
          if (name.equals(names.get(2)) || name.equals(names.get(3))) {
            store[0].close();
            if (name.equals(names.get(2))) {
              deleteTree(store[0].directory().resolve("outboards"));
            }
            store[0] = DiskBlobStore.open(dir, options);
          }
          if (!warm) {
            dropCaches();
          }
          Method m = methods.get(name);
          int sink = 0;
          long start = System.nanoTime();
          for (int i = 0; i < reads; i++) {
            sink += m.read(blobs.get(which[i]), offsets[i]);
          }
          double secs = (System.nanoTime() - start) / 1e9;
          rates.get(name).add(reads / secs);
          sinkHole += sink;
          line.append(String.format(" [%s %.0f/s]", name, reads / secs));
        }
        System.out.println(line);
      }
      DiskBlobStore.OutboardStats stats = store[0].outboardStats();
      System.out.printf(
          "outboards cached at the end: %d (%d KiB)%n", stats.entries(), stats.bytes() / 1024);
      System.out.printf("%n%d random 4 KiB reads, medians of %d:%n", reads, rounds);
      List<Double> peerRates = rates.get(names.get(0));
      double peer = median(peerRates);
      System.out.printf(
          "  %-50s %8s  %10s  %s%n",
          "method", "reads/s", "vs peer", "(per round vs the same round's peer: median; all)");
      for (String name : names) {
        List<Double> mine = rates.get(name);
        List<Double> perRound = new ArrayList<>();
        for (int i = 0; i < mine.size(); i++) {
          perRound.add(mine.get(i) / peerRates.get(i));
        }
        System.out.printf(
            "  %-50s %8.0f  %9.2fx  (%.2fx; %s)%n",
            name,
            median(mine),
            median(mine) / peer,
            median(perRound),
            perRound.stream().map(d -> String.format("%.2f", d)).toList());
      }
    } finally {
      store[0].close();
    }
  }

  private static int pread(Blob blob, long offset) throws IOException {
    byte[] out = new byte[READ];
    try (FileChannel ch = FileChannel.open(blob.file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.wrap(out);
      while (buf.hasRemaining() && ch.read(buf, offset + buf.position()) >= 0) {
        // until full
      }
    }
    return out[0];
  }

  /** The bytes a range read with an outboard reads: the whole groups covering the range. */
  private static int preadGroups(Blob blob, long offset) throws IOException {
    long start = offset / Outboard.GROUP_SIZE * Outboard.GROUP_SIZE;
    long end =
        Math.min(
            blob.size,
            (offset + READ - 1) / Outboard.GROUP_SIZE * Outboard.GROUP_SIZE + Outboard.GROUP_SIZE);
    byte[] out = new byte[(int) (end - start)];
    try (FileChannel ch = FileChannel.open(blob.file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.wrap(out);
      while (buf.hasRemaining() && ch.read(buf, start + buf.position()) >= 0) {
        // until full
      }
    }
    return out[(int) (offset - start)];
  }

  private static void hashing(int rounds) {
    for (int size : new int[] {1 << 20, 300 * 1024}) {
      int count = (int) ((256L << 20) / size);
      byte[][] blobs = new byte[count][];
      SplittableRandom random = new SplittableRandom(7);
      for (int i = 0; i < count; i++) {
        blobs[i] = new byte[size];
        fill(random, blobs[i], size);
      }
      List<Double> hash = new ArrayList<>();
      List<Double> outboard = new ArrayList<>();
      List<Double> ratios = new ArrayList<>();
      ThreadMXBean threads = ManagementFactory.getThreadMXBean();
      for (int round = 0; round < rounds + 1; round++) {
        // Blob by blob, alternating which goes first, timed in this thread's CPU time so that
        // other programs' load (which steals the core at random) cancels out.
        long hashNanos = 0;
        long outboardNanos = 0;
        for (int i = 0; i < count; i++) {
          byte[] b = blobs[i];
          for (int k = 0; k < 2; k++) {
            long t = threads.getCurrentThreadCpuTime();
            if ((i + k) % 2 == 0) {
              Blake3.hash(b);
              hashNanos += threads.getCurrentThreadCpuTime() - t;
            } else {
              Outboard.compute(b, 0, b.length);
              outboardNanos += threads.getCurrentThreadCpuTime() - t;
            }
          }
        }
        if (round > 0) { // round 0 warms up the JIT
          hash.add((double) count * size / (hashNanos / 1e9) / 1e6);
          outboard.add((double) count * size / (outboardNanos / 1e9) / 1e6);
          ratios.add((double) hashNanos / outboardNanos);
        }
      }
      System.out.printf(
          "hashing %d x %d KiB in memory (MB/s of CPU time), medians of %d: Blake3.hash %.0f,"
              + " Outboard.compute (hash + group CVs) %.0f; outboard/hash per round: median %.2f"
              + " (all: %s)%n",
          count,
          size / 1024,
          rounds,
          median(hash),
          median(outboard),
          median(ratios),
          ratios.stream().map(d -> String.format("%.2f", d)).toList());
    }
  }

  private static String fmt(List<Double> v) {
    return v.stream().map(d -> String.format("%.0f", d)).toList().toString();
  }

  private static void fill(SplittableRandom random, byte[] data, int size) {
    for (int i = 0; i < size; i += 8) {
      long v = random.nextLong();
      for (int j = 0; j < 8 && i + j < size; j++) {
        data[i + j] = (byte) (v >>> (8 * j));
      }
    }
  }

  private static Path blobFile(DiskBlobStore store, BlobRef ref) {
    return store.directory().resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
  }

  private static void dropCaches() throws Exception {
    new ProcessBuilder("sync").inheritIO().start().waitFor();
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
    } catch (IOException e) {
      throw new IOException("cannot drop the page cache (run as root, or pass --warm)", e);
    }
  }

  private static double median(List<Double> values) {
    double[] v = values.stream().mapToDouble(Double::doubleValue).sorted().toArray();
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static Map<String, String> parse(String[] args) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--warm") || args[i].equals("--keep")) {
        m.put(args[i], "true");
      } else if (args[i].startsWith("--") && i + 1 < args.length) {
        m.put(args[i], args[++i]);
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    return m;
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(
        dir,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Files.delete(file);
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
