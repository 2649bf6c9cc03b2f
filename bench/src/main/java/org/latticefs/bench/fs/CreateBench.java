package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.MountMain;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * Small-file creation through four FUSE filesystems in one run: Lattice, bindfs (C passthrough,
 * libfuse2), {@link PassthroughFs} (a java.nio passthrough on jnr-fuse, i.e. Lattice's FUSE stack
 * with no Lattice code) and {@link MemoryFs} (jnr-fuse over a hash map: no disk at all). The third
 * shows what any disk-backed filesystem built on jnr-fuse could reach here, the fourth what
 * jnr-fuse and libfuse2 cost by themselves, so that Lattice's own cost per file and the stack's are
 * told apart.
 *
 * <p>Workload per round and target: 10,000 files of 1 KiB created with {@code Files.write(...,
 * CREATE_NEW)} in a fresh directory, then {@code stat}ed (attributes read) once each. Targets are
 * interleaved (A B C D, A B C D, ...) after one warm-up round that is not counted; medians are
 * printed. All four run in their own JVM or process, mounted with {@link FuseMount#DEFAULT_OPTIONS}
 * (bindfs: {@code big_writes,auto_cache,use_ino}).
 *
 * <pre>
 * bench/run CreateBench [rounds=5] [dir=/var/tmp/lattice-createbench] [files=10000]
 * </pre>
 */
public final class CreateBench {
  private CreateBench() {}

  private static Process child(Class<?> main, Path a, Path b) throws IOException {
    return ChildJvm.startMounted(main, List.of("-Xmx2g"), a.toString(), b.toString());
  }

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path base = Path.of(args.length > 1 ? args[1] : "/var/tmp/lattice-createbench");
    int files = args.length > 2 ? Integer.parseInt(args[2]) : 10_000;
    if (Files.exists(base)) {
      throw new IOException(base + " exists: remove it first");
    }
    Path lmnt = Files.createDirectories(base.resolve("lattice-mnt"));
    Path bsrc = Files.createDirectories(base.resolve("bind-src"));
    Path bmnt = Files.createDirectories(base.resolve("bind-mnt"));
    Path psrc = Files.createDirectories(base.resolve("pass-src"));
    Path pmnt = Files.createDirectories(base.resolve("pass-mnt"));
    Path mmnt = Files.createDirectories(base.resolve("mem-mnt"));
    List<Process> children = new ArrayList<>();
    Map<String, Path> targets = new LinkedHashMap<>();
    try {
      children.add(child(MountMain.class, base.resolve("lattice-data"), lmnt));
      targets.put("lattice", Files.createDirectory(lmnt.resolve("bench")));
      Shell.bindfs(bsrc, bmnt, "");
      targets.put("bindfs", bmnt);
      children.add(child(PassthroughFs.class, psrc, pmnt));
      targets.put("jnr-fuse passthrough", pmnt);
      children.add(child(MemoryFs.class, Path.of("none"), mmnt));
      targets.put("jnr-fuse memory", mmnt);

      Map<String, double[][]> rates = new LinkedHashMap<>();
      for (String t : targets.keySet()) {
        rates.put(t, new double[3][rounds]);
      }
      // Round 0 warms up (the JVMs' JIT compilers, like a daemon that has been running) and is
      // printed but not counted.
      for (int r = -1; r < rounds; r++) {
        for (var t : targets.entrySet()) {
          SmallFiles.Rates rate = SmallFiles.run(t.getValue().resolve("small-" + (r + 1)), files);
          double[] x = {rate.creates(), rate.stats(), rate.createAndStat()};
          System.out.printf(
              Locale.ROOT,
              "%s %-22s creates/s %6.0f  stats/s %7.0f  create+stat/s %6.0f  load %s%n",
              r < 0 ? "warm-up" : "round " + (r + 1),
              t.getKey(),
              x[0],
              x[1],
              x[2],
              Shell.loadavg());
          for (int k = 0; r >= 0 && k < 3; k++) {
            rates.get(t.getKey())[k][r] = x[k];
          }
        }
      }
      double bind = Median.of(rates.get("bindfs")[2]);
      System.out.println();
      System.out.println(
          "| target | creates/s | stats/s | create+stat/s | create+stat vs bindfs |");
      System.out.println("|---|---|---|---|---|");
      for (var e : rates.entrySet()) {
        double[][] x = e.getValue();
        System.out.printf(
            Locale.ROOT,
            "| %s | %.0f | %.0f | %.0f | %.2fx |%n",
            e.getKey(),
            Median.of(x[0]),
            Median.of(x[1]),
            Median.of(x[2]),
            Median.of(x[2]) / bind);
      }
    } finally {
      for (Process p : children) {
        p.getOutputStream().close();
        p.waitFor();
      }
      if (FuseMount.isMounted(bmnt)) {
        Shell.unmount(bmnt);
      }
      Shell.deleteTree(base);
    }
  }
}
