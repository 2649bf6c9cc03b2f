package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * Small-file creation through the same trivial in-memory filesystem ({@link TreeFs}) on two
 * bindings of libfuse2: Lattice's byte-name binding ({@code org.latticefs.fs.fuse.libfuse}) and
 * jnr-fuse's {@code FuseStubFS}, each in its own JVM, with the same mount options; bindfs (C,
 * libfuse2, over a directory on disk) beside them for scale when it is installed.
 *
 * <p>Workload per round and target (CreateBench's): 10,000 files of 1 KiB written with {@code
 * Files.write(..., CREATE_NEW)} in a fresh directory, then each {@code stat}ed once. One uncounted
 * warm-up round, then N rounds with the targets interleaved (A B C, B C A, C A B…, so none always
 * goes first); per round the rates, the serving process's CPU time, and the ratio libfuse /
 * jnr-fuse; medians at the end.
 *
 * <pre>
 * bench/run BindingBench [rounds=7] [dir=/var/tmp/lattice-bindingbench] [files=10000]
 * </pre>
 *
 * <p>{@code -Dbench.childJvmArgs="..."} adds JVM options to both serving JVMs ({@code {kind}} in
 * them becomes the binding's name), e.g. a JFR recording per child.
 */
public final class BindingBench {
  static final String OPTIONS =
      "big_writes,max_read=131072,max_write=131072,auto_cache,use_ino,default_permissions";

  private BindingBench() {}

  /** A target: where it is mounted and the process serving it (null for bindfs's own). */
  private record Target(String name, Path mnt, Process process, long pid) {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 7;
    Path base = Path.of(args.length > 1 ? args[1] : "/var/tmp/lattice-bindingbench");
    int files = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    if (Files.exists(base)) {
      throw new IOException(base + " exists: remove it first");
    }
    List<Target> targets = new ArrayList<>();
    try {
      targets.add(child("libfuse", Files.createDirectories(base.resolve("libfuse-mnt"))));
      targets.add(child("jnr-fuse", Files.createDirectories(base.resolve("jnr-mnt"))));
      if (Files.isExecutable(Path.of("/usr/bin/bindfs"))) {
        Path src = Files.createDirectories(base.resolve("bind-src"));
        Path mnt = Files.createDirectories(base.resolve("bind-mnt"));
        Shell.bindfs(src, mnt, "");
        targets.add(new Target("bindfs", mnt, null, pidOf("bindfs", mnt)));
      }
      Map<String, double[]> rate = new LinkedHashMap<>();
      Map<String, double[]> cpu = new LinkedHashMap<>();
      for (Target t : targets) {
        rate.put(t.name(), new double[rounds]);
        cpu.put(t.name(), new double[rounds]);
      }
      double[] ratio = new double[rounds];
      System.out.printf(Locale.ROOT, "%d files per round, options %s%n", files, OPTIONS);
      for (int r = -1; r < rounds; r++) {
        int shift = Math.floorMod(r, targets.size());
        for (int k = 0; k < targets.size(); k++) {
          Target t = targets.get((k + shift) % targets.size());
          long cpu0 = cpuMillis(t.pid());
          SmallFiles.Rates x = SmallFiles.run(t.mnt().resolve("round" + (r + 1)), files);
          long cpuMs = cpuMillis(t.pid()) - cpu0;
          double total = x.createAndStat();
          System.out.printf(
              Locale.ROOT,
              "%s %-9s creates/s %6.0f  stats/s %7.0f  create+stat/s %6.0f  cpu %5d ms  load %s%n",
              r < 0 ? "warm-up" : "round " + (r + 1),
              t.name(),
              x.creates(),
              x.stats(),
              total,
              cpuMs,
              Shell.loadavg());
          if (r >= 0) {
            rate.get(t.name())[r] = total;
            cpu.get(t.name())[r] = cpuMs;
          }
        }
        if (r >= 0) {
          ratio[r] = rate.get("libfuse")[r] / rate.get("jnr-fuse")[r];
          System.out.printf(Locale.ROOT, "round %d ratio libfuse/jnr-fuse %.2f%n", r + 1, ratio[r]);
        }
      }
      System.out.println();
      System.out.println("| binding | create+stat/s (median) | CPU ms per round (median) |");
      System.out.println("|---|---|---|");
      for (Target t : targets) {
        System.out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.0f |%n",
            t.name(),
            Median.of(rate.get(t.name())),
            Median.of(cpu.get(t.name())));
      }
      double[] sorted = ratio.clone();
      Arrays.sort(sorted);
      System.out.printf(
          Locale.ROOT,
          "libfuse / jnr-fuse per round: median %.2f, range %.2f-%.2f%n",
          Median.of(ratio),
          sorted[0],
          sorted[sorted.length - 1]);
    } finally {
      for (Target t : targets) {
        stop(t.process(), t.mnt());
      }
      Shell.deleteTree(base);
    }
  }

  /** Ends a target: closes its serving child's stdin and waits, or unmounts an external tool. */
  static void stop(Process child, Path mnt) throws IOException, InterruptedException {
    if (child != null) {
      child.getOutputStream().close();
      child.waitFor();
    } else {
      Shell.unmount(mnt);
    }
  }

  private static Target child(String kind, Path mnt) throws IOException {
    List<String> jvmArgs = new ArrayList<>(List.of("-Xmx1g"));
    String extra = System.getProperty("bench.childJvmArgs", "").replace("{kind}", kind);
    if (!extra.isBlank()) {
      jvmArgs.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    Process p =
        ChildJvm.startMounted(BindingBenchChild.class, jvmArgs, kind, mnt.toString(), OPTIONS);
    return new Target(kind, mnt, p, p.pid());
  }

  /** User plus system CPU time of process {@code pid} so far, from {@code /proc/pid/stat}. */
  static long cpuMillis(long pid) throws IOException {
    if (pid <= 0) {
      return 0;
    }
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]);
    return ticks * 1000 / 100; // USER_HZ is 100 on Linux
  }

  static long pidOf(String program, Path mnt) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("pgrep", "-f", program + ".*" + mnt).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    p.waitFor();
    return out.isEmpty() ? -1 : Long.parseLong(out.split("\\s+")[0]);
  }
}
