package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.latticefs.bench.Fio;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * The FUSE binding ceiling: one null filesystem ({@code MemoryInodeFs} keeping sizes, not bytes)
 * served through three Java bindings, each in its own JVM — the direct protocol binding ({@code
 * kernel}, {@code fs.fuse.kernel}), fs's byte-name libfuse2 binding ({@code libfuse}) and jnr-fuse
 * ({@code jnr-fuse}) — beside bindfs (C, libfuse2, over a directory on disk) and gocryptfs (Go,
 * go-fuse, AES-GCM, over a directory on disk) when installed.
 *
 * <p>Workloads, each one round per target with the targets rotated per round (A B C…, B C A…) so
 * none always goes first; one uncounted warm-up round, then N rounds:
 *
 * <ul>
 *   <li>{@code small}: 10,000 files of 1 KiB created in a fresh directory, then each {@code stat}ed
 *       ({@link SmallFiles}); files/s, and the serving process's CPU time.
 *   <li>{@code write}: fio sequential write of 1 GiB, 1 MiB blocks, psync, {@code end_fsync=1},
 *       after dropping the page cache; MiB/s by wall time.
 *   <li>{@code randread}: fio random 4 KiB reads of that file for 10 s, after dropping the page
 *       cache; IOPS.
 * </ul>
 *
 * Printed per round: each figure and its ratio to bindfs in that round; at the end, per workload
 * and target, the median and the median [range] of the per-round ratios.
 *
 * <pre>
 * bench/run BindingCeilingBench [rounds=5] [dir=/var/tmp/lattice-ceiling] [size=1G]
 * </pre>
 *
 * <p>libfuse targets mount with {@link BindingBench#OPTIONS}; the kernel binding with its defaults
 * (1 MiB writes, READDIRPLUS, 1 s entry and attribute timeouts); bindfs with {@link
 * Shell#BINDFS_OPTIONS}; gocryptfs with its defaults.
 */
public final class BindingCeilingBench {
  private static final String[] WORKLOADS = {
    "create+stat 10k (files/s)", "seq write (MiB/s)", "randread 4k (IOPS)"
  };

  private BindingCeilingBench() {}

  /** A target: where it is mounted and the process serving it (null for an external tool). */
  private record Target(String name, Path mnt, Process process, long pid) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path base = Path.of(args.length > 1 ? args[1] : "/var/tmp/lattice-ceiling");
    String size = args.length > 2 ? args[2] : "1G";
    if (Files.exists(base)) {
      throw new IOException(base + " exists: remove it first");
    }
    List<Target> targets = new ArrayList<>();
    try {
      for (String kind : List.of("kernel", "libfuse", "jnr-fuse")) {
        Path mnt = Files.createDirectories(base.resolve(kind + "-mnt"));
        Process p =
            ChildJvm.startMounted(
                BindingBenchChild.class,
                List.of("-Xmx512m"),
                kind,
                mnt.toString(),
                BindingBench.OPTIONS,
                "null");
        targets.add(new Target(kind, mnt, p, p.pid()));
      }
      if (Files.isExecutable(Path.of("/usr/bin/bindfs"))) {
        Path src = Files.createDirectories(base.resolve("bind-src"));
        Path mnt = Files.createDirectories(base.resolve("bind-mnt"));
        Shell.bindfs(src, mnt, "");
        targets.add(new Target("bindfs", mnt, null, BindingBench.pidOf("bindfs", mnt)));
      }
      if (Files.isExecutable(Path.of("/usr/bin/gocryptfs"))) {
        Path cipher = Files.createDirectories(base.resolve("gocryptfs-cipher"));
        Path mnt = Files.createDirectories(base.resolve("gocryptfs-mnt"));
        Shell.run("gocryptfs", "-init", "-quiet", "-extpass", "echo bench", cipher.toString());
        Shell.run(
            "gocryptfs", "-quiet", "-extpass", "echo bench", cipher.toString(), mnt.toString());
        Shell.awaitMounted(mnt);
        targets.add(new Target("gocryptfs", mnt, null, BindingBench.pidOf("gocryptfs", mnt)));
      }
      run(targets, rounds, size);
    } finally {
      for (Target t : targets) {
        BindingBench.stop(t.process(), t.mnt());
      }
      Shell.deleteTree(base);
    }
  }

  private static void run(List<Target> targets, int rounds, String size) throws Exception {
    // figures[workload][target][round]
    Map<String, Map<String, double[]>> figures = new LinkedHashMap<>();
    for (String w : WORKLOADS) {
      Map<String, double[]> perTarget = new LinkedHashMap<>();
      for (Target t : targets) {
        perTarget.put(t.name(), new double[rounds]);
      }
      figures.put(w, perTarget);
    }
    Map<String, double[]> cpu = new LinkedHashMap<>();
    for (Target t : targets) {
      cpu.put(t.name(), new double[rounds]);
    }
    System.out.printf(
        Locale.ROOT,
        "targets %s, size %s, load %s%n",
        targets.stream().map(Target::name).toList(),
        size,
        Shell.loadavg());
    for (int r = -1; r < rounds; r++) {
      String label = r < 0 ? "warm-up" : "round " + (r + 1);
      int shift = Math.floorMod(r, targets.size());
      List<Target> order = new ArrayList<>();
      for (int k = 0; k < targets.size(); k++) {
        order.add(targets.get((k + shift) % targets.size()));
      }
      for (Target t : order) {
        long cpu0 = BindingBench.cpuMillis(t.pid());
        SmallFiles.Rates x = SmallFiles.run(t.mnt().resolve("small" + (r + 1)), 10_000);
        long cpuMs = BindingBench.cpuMillis(t.pid()) - cpu0;
        record(figures, r, WORKLOADS[0], t, x.createAndStat(), label);
        if (r >= 0) {
          cpu.get(t.name())[r] = cpuMs;
        }
      }
      for (Target t : order) {
        Files.deleteIfExists(t.mnt().resolve("seq.bin"));
        Shell.dropCaches();
        long start = System.nanoTime();
        Fio.seqWrite(t.mnt(), size, true);
        double secs = (System.nanoTime() - start) / 1e9;
        double mib = Files.size(t.mnt().resolve("seq.bin")) / (double) (1 << 20);
        record(figures, r, WORKLOADS[1], t, mib / secs, label);
      }
      for (Target t : order) {
        Shell.dropCaches();
        record(figures, r, WORKLOADS[2], t, Fio.randReadIops(t.mnt(), size, 10), label);
      }
      if (r >= 0) {
        for (String w : WORKLOADS) {
          StringBuilder line = new StringBuilder(label + " ratios to bindfs, " + w + ":");
          for (Target t : targets) {
            line.append(
                String.format(
                    Locale.ROOT, " %s %.2f", t.name(), ratio(figures.get(w), t.name(), r)));
          }
          System.out.println(line);
        }
      }
    }
    System.out.println();
    System.out.printf(Locale.ROOT, "%d rounds, load after %s%n", rounds, Shell.loadavg());
    StringBuilder head = new StringBuilder("| workload |");
    StringBuilder rule = new StringBuilder("|---|");
    for (Target t : targets) {
      head.append(' ').append(t.name()).append(" |");
      rule.append("---|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (String w : WORKLOADS) {
      StringBuilder row = new StringBuilder("| " + w + " |");
      for (Target t : targets) {
        double[] v = figures.get(w).get(t.name());
        double[] ratios = new double[rounds];
        for (int r = 0; r < rounds; r++) {
          ratios[r] = ratio(figures.get(w), t.name(), r);
        }
        double[] sorted = ratios.clone();
        Arrays.sort(sorted);
        row.append(
            String.format(
                Locale.ROOT,
                " %,.0f (%.2f× [%.2f–%.2f]) |",
                Median.of(v),
                Median.of(ratios),
                sorted[0],
                sorted[rounds - 1]));
      }
      System.out.println(row);
    }
    StringBuilder row = new StringBuilder("| serving CPU per 10k create+stat (ms) |");
    for (Target t : targets) {
      row.append(String.format(Locale.ROOT, " %.0f |", Median.of(cpu.get(t.name()))));
    }
    System.out.println(row);
  }

  private static double ratio(Map<String, double[]> perTarget, String name, int round) {
    double[] bind = perTarget.get("bindfs");
    return bind == null ? Double.NaN : perTarget.get(name)[round] / bind[round];
  }

  private static void record(
      Map<String, Map<String, double[]>> figures,
      int round,
      String workload,
      Target t,
      double v,
      String label) {
    System.out.printf(
        Locale.ROOT,
        "%s %-10s %-28s %,10.0f  load %s%n",
        label,
        t.name(),
        workload,
        v,
        Shell.loadavg());
    if (round >= 0) {
      figures.get(workload).get(t.name())[round] = v;
    }
  }
}
