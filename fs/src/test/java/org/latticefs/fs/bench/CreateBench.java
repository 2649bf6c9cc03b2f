package org.latticefs.fs.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.MountMain;

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
 * java -cp fs/target/test-classes:fs/target/classes:$(cat /tmp/fs-cp.txt) \
 *     org.latticefs.fs.bench.CreateBench [rounds=5] [dir=/var/tmp/lattice-createbench] [files=10000]
 * </pre>
 */
public final class CreateBench {
  private CreateBench() {}

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
      run("bindfs", "-o", "big_writes,auto_cache,use_ino", bsrc.toString(), bmnt.toString());
      while (!FuseMount.isMounted(bmnt)) {
        Thread.sleep(20);
      }
      targets.put("bindfs", bmnt);
      children.add(child(PassthroughFs.class, psrc, pmnt));
      targets.put("jnr-fuse passthrough", pmnt);
      children.add(child(MemoryFs.class, Path.of("none"), mmnt));
      targets.put("jnr-fuse memory", mmnt);

      Map<String, double[][]> rates = new LinkedHashMap<>();
      for (String t : targets.keySet()) {
        rates.put(t, new double[3][rounds]);
      }
      byte[] content = new byte[1024];
      // Round 0 warms up (the JVMs' JIT compilers, like a daemon that has been running) and is
      // printed but not counted.
      for (int r = -1; r < rounds; r++) {
        for (var t : targets.entrySet()) {
          Path d = Files.createDirectory(t.getValue().resolve("small-" + (r + 1)));
          long start = System.nanoTime();
          for (int i = 0; i < files; i++) {
            Files.write(
                d.resolve("f" + i),
                content,
                StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE);
          }
          long created = System.nanoTime();
          for (int i = 0; i < files; i++) {
            Files.readAttributes(d.resolve("f" + i), "size");
          }
          long end = System.nanoTime();
          double[] x = {
            files / ((created - start) / 1e9),
            files / ((end - created) / 1e9),
            files / ((end - start) / 1e9)
          };
          System.out.printf(
              Locale.ROOT,
              "%s %-22s creates/s %6.0f  stats/s %7.0f  create+stat/s %6.0f  load %s%n",
              r < 0 ? "warm-up" : "round " + (r + 1),
              t.getKey(),
              x[0],
              x[1],
              x[2],
              Files.readString(Path.of("/proc/loadavg")).trim());
          for (int k = 0; r >= 0 && k < 3; k++) {
            rates.get(t.getKey())[k][r] = x[k];
          }
        }
      }
      double bind = median(rates.get("bindfs")[2]);
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
            median(x[0]),
            median(x[1]),
            median(x[2]),
            median(x[2]) / bind);
      }
    } finally {
      for (Process p : children) {
        p.getOutputStream().close();
        p.waitFor();
      }
      if (FuseMount.isMounted(bmnt)) {
        run("fusermount", "-u", bmnt.toString());
      }
      run("rm", "-rf", base.toString());
    }
  }

  private static Process child(Class<?> main, Path a, Path b) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx2g",
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                main.getName(),
                a.toString(),
                b.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("MOUNTED")) {
        return p;
      }
    }
    throw new IOException(main.getSimpleName() + " exited before mounting");
  }

  private static void run(String... cmd) throws IOException, InterruptedException {
    int rc = new ProcessBuilder(cmd).inheritIO().start().waitFor();
    if (rc != 0) {
      throw new IOException(String.join(" ", cmd) + " exited with " + rc);
    }
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
