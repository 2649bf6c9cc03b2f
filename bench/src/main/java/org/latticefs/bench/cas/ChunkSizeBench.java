package org.latticefs.bench.cas;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.latticefs.cas.chunk.Chunker;

/**
 * Measures dedup and metadata cost of candidate chunk sizes on data found on this machine, to
 * choose {@link Chunker#DEFAULT}. Chunk identity here is SHA-256 (the JDK's, fast); only identity
 * matters for dedup.
 *
 * <p>Data sets (each a pair: an old and a new version):
 *
 * <ul>
 *   <li>{@code doc}: a tar of /usr/share/doc, and the same tar after 50 seeded local edits (insert,
 *       delete or overwrite of 1..1000 bytes at random places) — edits in the middle of files.
 *   <li>{@code m2}: for every Maven artifact in ~/.m2 with two or more versions, the older jars
 *       concatenated vs the newest — a library upgrade (compressed data).
 *   <li>{@code jdk}: the JDK 17 tree as one tar, and the same with one module file edited at 20
 *       places.
 * </ul>
 *
 * <p>Run from the repository root: {@code bench/run ChunkSizeBench}. Figures in BENCHMARKS.md.
 */
public final class ChunkSizeBench {
  record Candidate(int min, int avg, int max, int level) {
    Chunker chunker() {
      return new Chunker(min, avg, max, level);
    }

    String label() {
      return kib(min) + "/" + kib(avg) + "/" + kib(max) + " L" + level;
    }
  }

  record Pair(String name, byte[] v1, byte[] v2) {}

  public static void main(String[] args) throws Exception {
    Path work = Files.createTempDirectory("chunksize");
    try {
      List<Pair> pairs = new ArrayList<>();
      byte[] doc = tar(work, "doc.tar", "/usr/share", "doc");
      pairs.add(new Pair("doc", doc, edit(doc, 50, 1)));
      pairs.add(m2Pair());
      byte[] jdk = tar(work, "jdk.tar", "/usr/lib/jvm", "java-17-openjdk-amd64");
      pairs.add(new Pair("jdk", jdk, edit(jdk, 20, 2)));
      List<Candidate> candidates =
          List.of(
              new Candidate(8 << 10, 32 << 10, 128 << 10, 2),
              new Candidate(16 << 10, 64 << 10, 256 << 10, 2),
              new Candidate(32 << 10, 128 << 10, 512 << 10, 2),
              new Candidate(64 << 10, 256 << 10, 1 << 20, 2),
              new Candidate(64 << 10, 256 << 10, 1 << 20, 1),
              new Candidate(128 << 10, 512 << 10, 2 << 20, 2),
              new Candidate(256 << 10, 1 << 20, 4 << 20, 2));
      for (Pair p : pairs) {
        System.out.printf(
            Locale.ROOT,
            "%n### %s: v1 %.1f MiB, v2 %.1f MiB%n%n",
            p.name(),
            p.v1().length / 1048576.0,
            p.v2().length / 1048576.0);
        System.out.println(
            "| min/avg/max | mean chunk | chunks per GiB | v2 new data | v2 new / v2 size |"
                + " dedup (v1+v2)/stored | manifest bytes per GiB |");
        System.out.println("|---|---|---|---|---|---|---|");
        for (Candidate c : candidates) {
          row(p, c);
        }
      }
      System.out.println(
          "\n### cut-point throughput (256 MiB random, no hashing, median of 5; per CPU-second"
              + " of the chunking thread, and wall clock)\n");
      System.out.println("| min/avg/max | MB per CPU-s | MB/s wall |");
      System.out.println("|---|---|---|");
      var mx = java.lang.management.ManagementFactory.getThreadMXBean();
      byte[] rnd = new byte[256 << 20];
      new SplittableRandom(1).nextBytes(rnd);
      for (Candidate c : candidates) {
        Chunker ch = c.chunker();
        double[] t = new double[5];
        double[] cpu = new double[5];
        for (int r = 0; r < t.length; r++) {
          long c0 = mx.getCurrentThreadCpuTime();
          long t0 = System.nanoTime();
          int pos = 0;
          while (pos < rnd.length) {
            pos += ch.cutLength(rnd, pos, rnd.length - pos);
          }
          t[r] = (System.nanoTime() - t0) / 1e9;
          cpu[r] = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
        }
        java.util.Arrays.sort(t);
        java.util.Arrays.sort(cpu);
        System.out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.0f |%n",
            c.label(),
            rnd.length / cpu[2] / 1e6,
            rnd.length / t[2] / 1e6);
      }
    } finally {
      try (Stream<Path> s = Files.walk(work)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  static void row(Pair p, Candidate c) throws NoSuchAlgorithmException {
    Chunker ch = c.chunker();
    Map<ByteBuffer, Integer> v1 = chunks(ch, p.v1(), null);
    List<Integer> v2Sizes = new ArrayList<>();
    Map<ByteBuffer, Integer> v2 = chunks(ch, p.v2(), v2Sizes);
    long newBytes = 0;
    for (var e : v2.entrySet()) {
      if (!v1.containsKey(e.getKey())) {
        newBytes += e.getValue();
      }
    }
    Set<ByteBuffer> all = new HashSet<>(v1.keySet());
    all.addAll(v2.keySet());
    long stored = 0;
    for (ByteBuffer k : all) {
      stored += v1.containsKey(k) ? v1.get(k) : v2.get(k);
    }
    int n2 = v2Sizes.size();
    double mean = (double) p.v2().length / n2;
    double perGiB = (1L << 30) / mean;
    System.out.printf(
        Locale.ROOT,
        "| %s | %.0f KiB | %.0f | %.2f MiB | %.2f %% | %.3f | %.0f KiB |%n",
        c.label(),
        mean / 1024,
        perGiB,
        newBytes / 1048576.0,
        100.0 * newBytes / p.v2().length,
        (double) (p.v1().length + p.v2().length) / stored,
        perGiB * 35 / 1024);
  }

  /** Unique chunks (by SHA-256) with their sizes; every chunk's size into {@code sizes}. */
  static Map<ByteBuffer, Integer> chunks(Chunker c, byte[] data, List<Integer> sizes)
      throws NoSuchAlgorithmException {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    Map<ByteBuffer, Integer> out = new java.util.HashMap<>();
    int pos = 0;
    while (pos < data.length) {
      int n = c.cutLength(data, pos, data.length - pos);
      md.update(data, pos, n);
      out.put(ByteBuffer.wrap(md.digest()), n);
      if (sizes != null) {
        sizes.add(n);
      }
      pos += n;
    }
    return out;
  }

  /** The data after {@code count} seeded edits: insert, delete or overwrite 1..1000 bytes. */
  static byte[] edit(byte[] data, int count, long seed) {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] out = data;
    for (int i = 0; i < count; i++) {
      int pos = r.nextInt(out.length - 1000);
      int len = 1 + r.nextInt(1000);
      byte[] junk = new byte[len];
      r.nextBytes(junk);
      switch (r.nextInt(3)) {
        case 0 -> {
          byte[] n = new byte[out.length + len];
          System.arraycopy(out, 0, n, 0, pos);
          System.arraycopy(junk, 0, n, pos, len);
          System.arraycopy(out, pos, n, pos + len, out.length - pos);
          out = n;
        }
        case 1 -> {
          byte[] n = new byte[out.length - len];
          System.arraycopy(out, 0, n, 0, pos);
          System.arraycopy(out, pos + len, n, pos, out.length - pos - len);
          out = n;
        }
        default -> {
          out = out == data ? data.clone() : out;
          System.arraycopy(junk, 0, out, pos, len);
        }
      }
    }
    return out;
  }

  static byte[] tar(Path work, String name, String dir, String entry)
      throws IOException, InterruptedException {
    Path out = work.resolve(name);
    Process p =
        new ProcessBuilder("tar", "-cf", out.toString(), "--sort=name", "-C", dir, entry)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    p.waitFor();
    return Files.readAllBytes(out);
  }

  /**
   * Older versions' jars concatenated vs the newest version's, over every multi-version artifact.
   */
  static Pair m2Pair() throws IOException {
    Path repo = Path.of(System.getProperty("user.home"), ".m2", "repository");
    Map<Path, TreeMap<String, Path>> byArtifact = new TreeMap<>();
    try (Stream<Path> s = Files.walk(repo)) {
      s.filter(f -> f.toString().endsWith(".jar"))
          .filter(f -> !f.getFileName().toString().contains("-sources"))
          .filter(
              f ->
                  f.getFileName()
                      .toString()
                      .startsWith(
                          f.getParent().getParent().getFileName()
                              + "-"
                              + f.getParent().getFileName()
                              + "."))
          .forEach(
              f ->
                  byArtifact
                      .computeIfAbsent(f.getParent().getParent(), k -> new TreeMap<>())
                      .put(f.getParent().getFileName().toString(), f));
    }
    var v1 = new java.io.ByteArrayOutputStream();
    var v2 = new java.io.ByteArrayOutputStream();
    for (TreeMap<String, Path> versions : byArtifact.values()) {
      if (versions.size() < 2) {
        continue;
      }
      List<Path> files = new ArrayList<>(versions.values());
      List<String> keys = new ArrayList<>(versions.keySet());
      keys.sort(ChunkSizeBench::compareVersions);
      files = keys.stream().map(versions::get).toList();
      v1.write(Files.readAllBytes(files.get(files.size() - 2)));
      v2.write(Files.readAllBytes(files.get(files.size() - 1)));
    }
    return new Pair("m2", v1.toByteArray(), v2.toByteArray());
  }

  static int compareVersions(String a, String b) {
    String[] x = a.split("[.-]");
    String[] y = b.split("[.-]");
    for (int i = 0; i < Math.min(x.length, y.length); i++) {
      int c;
      if (x[i].matches("\\d+") && y[i].matches("\\d+")) {
        c = Long.compare(Long.parseLong(x[i]), Long.parseLong(y[i]));
      } else {
        c = x[i].compareTo(y[i]);
      }
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(x.length, y.length);
  }

  static String kib(int n) {
    return n >= 1 << 20 ? (n >> 20) + "M" : (n >> 10) + "K";
  }
}
