package org.latticefs.bench.cas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Blake3Hasher;

/**
 * BLAKE3 throughput of Lattice against {@code b3sum --num-threads 1}, on the same file in the same
 * run, rounds interleaved (b3sum, native read, b3sum without mmap, native mmap, Java; repeat) and
 * reported as medians. Every result is checked against b3sum's hash.
 *
 * <p>Usage: {@code Blake3Bench [SIZE [ROUNDS [DIR]]]}, SIZE like {@code 1g}, {@code 256m} or bytes
 * (default 1 GiB), ROUNDS default 5, DIR for the random file (default java.io.tmpdir). The file is
 * written fresh and stays in the page cache: every contender reads it from memory, so this compares
 * hashing, not disks. Run it (see BENCHMARKS.md):
 *
 * <pre>
 * bench/run Blake3Bench 1g 5
 * </pre>
 */
public final class Blake3Bench {
  private static final double MB = 1e6;

  private Blake3Bench() {}

  public static void main(String[] args) throws Exception {
    long size = args.length > 0 ? parseSize(args[0]) : 1L << 30;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path dir = Path.of(args.length > 2 ? args[2] : System.getProperty("java.io.tmpdir"));

    System.out.printf("date        %s%n", Instant.now());
    System.out.printf("machine     nproc %d, %s%n", nproc(), cpuModel());
    System.out.printf("java        %s%n", System.getProperty("java.vm.version"));
    long t0 = System.nanoTime();
    String implementation = Blake3.implementation();
    long firstUse = System.nanoTime() - t0;
    System.out.printf("lattice     %s%n", implementation);
    System.out.printf(
        "first use   %.0f ms (choosing: library extraction, jnr-ffi binding, self-check)%n",
        firstUse / 1e6);
    System.out.printf("load        %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
    System.out.printf("b3sum       %s%n", run("b3sum", "--version").trim());
    System.out.printf(
        "file        %d bytes (%.0f MB), page-cached, %d rounds%n", size, size / MB, rounds);

    Path file = Files.createTempFile(dir, "blake3-bench-", ".bin");
    Path empty = Files.createTempFile(dir, "blake3-bench-empty-", ".bin");
    try {
      writeRandom(file, size);
      fileRounds(file, empty, size, rounds);
      readSizes(file, size);
      smallMessages();
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(empty);
    }
  }

  private static void fileRounds(Path file, Path empty, long size, int rounds) throws Exception {
    String expected = b3sum(file);
    check("native read", expected, Blake3.hashFile(file));
    check("native mmap", expected, hashMapped(file));
    check("java", expected, hashJava(file));

    // b3sum's process start, to subtract if it matters.
    long[] startup = new long[7];
    for (int i = 0; i < startup.length; i++) {
      long t0 = System.nanoTime();
      b3sum(empty);
      startup[i] = System.nanoTime() - t0;
    }
    double startupSec = median(startup) / 1e9;
    System.out.printf("b3sum on an empty file: %.1f ms (process start)%n", startupSec * 1e3);

    long[] b3 = new long[rounds];
    long[] b3Read = new long[rounds];
    long[] read = new long[rounds];
    long[] mmap = new long[rounds];
    long[] java = new long[rounds];
    System.out.printf(
        "%-6s %12s %12s %12s %12s %12s   (MB/s)%n",
        "round", "b3sum", "b3sum-nommap", "native", "native-mmap", "java");
    for (int r = 0; r < rounds; r++) {
      b3[r] = time(() -> check("b3sum", expected, b3sum(file)));
      read[r] = time(() -> check("native read", expected, Blake3.hashFile(file).hex()));
      b3Read[r] = time(() -> check("b3sum --no-mmap", expected, b3sum(file, "--no-mmap")));
      mmap[r] = time(() -> check("native mmap", expected, hashMapped(file).hex()));
      java[r] = time(() -> check("java", expected, hashJava(file).hex()));
      System.out.printf(
          "%-6d %12.0f %12.0f %12.0f %12.0f %12.0f%n",
          r + 1,
          rate(size, b3[r]),
          rate(size, b3Read[r]),
          rate(size, read[r]),
          rate(size, mmap[r]),
          rate(size, java[r]));
    }
    double b3Rate = size / MB / (median(b3) / 1e9);
    double b3NetRate = size / MB / (median(b3) / 1e9 - startupSec);
    double b3ReadRate = size / MB / (median(b3Read) / 1e9);
    double readRate = size / MB / (median(read) / 1e9);
    double mmapRate = size / MB / (median(mmap) / 1e9);
    double javaRate = size / MB / (median(java) / 1e9);
    System.out.printf("%nmedians (MB/s, 1 MB = 10^6 bytes)%n");
    System.out.printf(
        "  b3sum --num-threads 1          %8.0f  (%.0f without process start)%n",
        b3Rate, b3NetRate);
    System.out.printf("  b3sum --num-threads 1 --no-mmap%8.0f%n", b3ReadRate);
    System.out.printf("  Blake3.hashFile (native)       %8.0f%n", readRate);
    System.out.printf("  native over mmap               %8.0f%n", mmapRate);
    System.out.printf("  Java fallback (BouncyCastle)   %8.0f%n", javaRate);
    System.out.printf(
        "ratio native hashFile / b3sum:          %.2f (%.2f against b3sum without start)%n",
        readRate / b3Rate, readRate / b3NetRate);
    System.out.printf("ratio native hashFile / b3sum --no-mmap: %.2f%n", readRate / b3ReadRate);
    System.out.printf("ratio native mmap / b3sum:              %.2f%n", mmapRate / b3Rate);
    System.out.printf("ratio java / b3sum:                     %.2f%n", javaRate / b3Rate);
  }

  /** How the read size of a hashFile-style loop (native, direct buffer) changes throughput. */
  private static void readSizes(Path file, long size) throws IOException {
    int[] sizes = {64 << 10, 256 << 10, 1 << 20, 4 << 20};
    long[] best = new long[sizes.length];
    Arrays.fill(best, Long.MAX_VALUE);
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < sizes.length; i++) {
        ByteBuffer buffer = ByteBuffer.allocateDirect(sizes[i]);
        long t0 = System.nanoTime();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
            Blake3Hasher h = Blake3.newHasher()) {
          while (ch.read(buffer.clear()) >= 0) {
            h.update(buffer.flip());
          }
          h.finish();
        }
        best[i] = Math.min(best[i], System.nanoTime() - t0);
      }
    }
    System.out.printf("%nnative read loop by read size, best of 3 (MB/s)%n");
    for (int i = 0; i < sizes.length; i++) {
      System.out.printf("  %5d KiB  %8.0f%n", sizes[i] >> 10, rate(size, best[i]));
    }
  }

  /** One-shot hashes of in-memory messages: per-call cost and heap versus direct memory. */
  private static void smallMessages() {
    int[] sizes = {64, 1024, 4096, 64 * 1024, 1 << 20};
    long budget = 64L << 20;
    System.out.printf(
        "%none-shot hashes of in-memory messages, best of 5 (MB/s; ns per call in brackets)%n");
    System.out.printf(
        "%-9s %18s %18s %18s %18s%n",
        "size", "byte[] (pinned)", "direct buffer", "byte[] copied->dir", "java byte[]");
    for (int n : sizes) {
      byte[] heap = new byte[n];
      new SplittableRandom(n).nextBytes(heap);
      ByteBuffer direct = ByteBuffer.allocateDirect(n).put(heap).flip();
      ByteBuffer staging = ByteBuffer.allocateDirect(n);
      long calls = Math.max(1, budget / n);
      long javaCalls = Math.max(1, calls / 8);
      String[] cells = {
        cell(n, calls, () -> Blake3.hash(heap)),
        cell(n, calls, () -> Blake3.hash(direct.clear())),
        cell(n, calls, () -> Blake3.hash(staging.clear().put(heap).flip())),
        cell(
            n,
            javaCalls,
            () -> {
              try (Blake3Hasher h = Blake3.newJavaHasher()) {
                h.update(heap);
                return h.finish();
              }
            })
      };
      System.out.printf("%-9s %18s %18s %18s %18s%n", n, cells[0], cells[1], cells[2], cells[3]);
    }
  }

  private static int sink;

  private static String cell(int n, long calls, java.util.function.Supplier<BlobRef> op) {
    for (long i = 0; i < Math.min(calls, 20_000); i++) {
      sink ^= op.get().hashCode();
    }
    // Best, not median: on a shared machine the fastest round is the one least disturbed.
    long nanos = Long.MAX_VALUE;
    for (int r = 0; r < 5; r++) {
      long t0 = System.nanoTime();
      for (long i = 0; i < calls; i++) {
        sink ^= op.get().hashCode();
      }
      nanos = Math.min(nanos, System.nanoTime() - t0);
    }
    return String.format(
        Locale.ROOT,
        "%.0f (%.0f)",
        calls * (double) n / MB / (nanos / 1e9),
        nanos / (double) calls);
  }

  /** Native hashing of the file mapped into memory, 256 MiB per mapping. */
  private static BlobRef hashMapped(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        Blake3Hasher h = Blake3.newHasher()) {
      long size = ch.size();
      for (long pos = 0; pos < size; pos += 256L << 20) {
        MappedByteBuffer map =
            ch.map(FileChannel.MapMode.READ_ONLY, pos, Math.min(256L << 20, size - pos));
        h.update(map);
      }
      return h.finish();
    }
  }

  /** What Blake3.hashFile does when it runs on the Java fallback: 1 MiB heap reads. */
  private static BlobRef hashJava(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        Blake3Hasher h = Blake3.newJavaHasher()) {
      ByteBuffer buffer = ByteBuffer.allocate(1 << 20);
      while (ch.read(buffer.clear()) >= 0) {
        h.update(buffer.flip());
      }
      return h.finish();
    }
  }

  private static String b3sum(Path file, String... extra) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("b3sum", "--num-threads", "1", "--no-names"));
    command.addAll(List.of(extra));
    command.add(file.toString());
    return run(command.toArray(String[]::new)).trim();
  }

  private static String run(String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + out);
    }
    return out;
  }

  private static Object check(String who, String expected, Object got) {
    String hex = got instanceof BlobRef ref ? ref.hex() : got.toString();
    if (!hex.equals(expected)) {
      throw new IllegalStateException(who + " disagrees: " + hex + " versus b3sum " + expected);
    }
    return got;
  }

  private static long time(Callable<?> op) throws Exception {
    long t0 = System.nanoTime();
    op.call();
    return System.nanoTime() - t0;
  }

  private static double rate(long bytes, long nanos) {
    return bytes / MB / (nanos / 1e9);
  }

  private static double median(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2.0;
  }

  private static void writeRandom(Path file, long size) throws IOException {
    SplittableRandom random = new SplittableRandom(42);
    ByteBuffer block = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.LITTLE_ENDIAN);
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      long left = size;
      while (left > 0) {
        block.clear();
        while (block.remaining() >= 8) {
          block.putLong(random.nextLong());
        }
        block.flip().limit((int) Math.min(block.limit(), left));
        left -= block.remaining();
        while (block.hasRemaining()) {
          ch.write(block);
        }
      }
    }
  }

  static long parseSize(String text) {
    String s = text.trim().toLowerCase(Locale.ROOT);
    long unit = 1;
    char last = s.charAt(s.length() - 1);
    if (last == 'k' || last == 'm' || last == 'g') {
      unit = last == 'k' ? 1L << 10 : last == 'm' ? 1L << 20 : 1L << 30;
      s = s.substring(0, s.length() - 1);
    }
    return Long.parseLong(s) * unit;
  }

  private static int nproc() {
    return Runtime.getRuntime().availableProcessors();
  }

  private static String cpuModel() throws IOException {
    List<String> models = new ArrayList<>();
    for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
      if (line.startsWith("model name")) {
        models.add(line.substring(line.indexOf(':') + 1).trim());
      }
    }
    return models.isEmpty() ? "unknown CPU" : models.get(0);
  }
}
