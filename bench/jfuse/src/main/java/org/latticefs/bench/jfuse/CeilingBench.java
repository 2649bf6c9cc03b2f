package org.latticefs.bench.jfuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.latticefs.bench.Fio;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.bench.fs.SmallFiles;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * The FUSE binding ceiling, five filesystems in one run: bindfs (C, libfuse2), the bench module's
 * jnr-fuse {@code PassthroughFs} and {@code MemoryFs} (libfuse2, Java 17, Lattice's mount options),
 * and this probe's {@link JfusePassthrough} and {@link JfuseMemory} (libfuse3 over FFM, Java 25,
 * {@link ProbeMain#OPTIONS}). Each Java filesystem runs in its own JVM; bindfs gets {@code -o
 * big_writes,auto_cache,use_ino} as in FsBench.
 *
 * <p>Workloads, in this order, each as one uncounted warm-up round and then {@code rounds} rounds,
 * the five targets interleaved within each round (A B C D E), medians reported:
 *
 * <ol>
 *   <li>{@code small}: 10,000 files of 1 KiB created with {@code Files.write(..., CREATE_NEW)} in a
 *       fresh directory, then stat-ed once each (the bench module's {@code SmallFiles}).
 *   <li>{@code write}: fio sequential write of 1 GiB, 1 MiB blocks, psync, {@code end_fsync=1},
 *       wall time (the file is deleted and caches dropped first).
 *   <li>{@code read}: fio sequential read of that file, 1 MiB blocks, after {@code sync; echo 3 >
 *       /proc/sys/vm/drop_caches}. No filesystem is remounted: none keeps a user-space cache beyond
 *       the kernel's except the memory ones, whose "cold" means the page cache was dropped (their
 *       data is still in heap).
 *   <li>{@code randread}: fio random 4 KiB reads of it, psync, direct=0, 10 s, after dropping the
 *       caches likewise.
 * </ol>
 *
 * <p>Run as root from the repository root (see BENCHMARKS.md, "FUSE binding ceiling"; JDK is a JDK
 * 22 or newer):
 *
 * <pre>
 * mvn -B -q package -pl bench/jfuse -am -DskipTests -Djfuse.jdk=$JDK
 * $JDK/bin/java --enable-native-access=ALL-UNNAMED -cp bench/jfuse/target/lattice-bench-jfuse.jar \
 *     org.latticefs.bench.jfuse.CeilingBench ROUNDS DIR [all|small,write,read,randread]
 * </pre>
 *
 * The jnr-fuse JVMs run on the same jar (or {@code -Dceiling.jnrClasspath}) with {@code
 * -Dceiling.java17} (default {@code /usr/lib/jvm/java-17-openjdk-amd64/bin/java}), Lattice's Java.
 * {@code -Dceiling.jnrOnJava25=true} adds a sixth target, {@code MemoryFs} on this JVM (Java 25),
 * to tell the JVM's share of any difference from the binding's. {@code -Dceiling.extraOptions=LIST}
 * adds three more targets, bindfs and both memory filesystems with LIST appended to their {@code
 * -o} options (e.g. kernel cache timeouts), to see what mount options alone change.
 */
public final class CeilingBench {
  private static final String BINDFS = "bindfs";
  private static final String JAVA17 =
      System.getProperty("ceiling.java17", "/usr/lib/jvm/java-17-openjdk-amd64/bin/java");

  /** fio's file size ({@code -Dceiling.size}, default 1G; smaller only to try the driver out). */
  private static final String SIZE = System.getProperty("ceiling.size", "1G");

  /** Seconds of random reads per round ({@code -Dceiling.runtime}, default 10). */
  private static final String RUNTIME = System.getProperty("ceiling.runtime", "10");

  /**
   * {@code -Dceiling.discard=true}: the memory filesystems drop written bytes (only for the {@code
   * write} workload: the FUSE write path with no copy and no allocation).
   */
  private static final boolean DISCARD = Boolean.getBoolean("ceiling.discard");

  private CeilingBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = Integer.parseInt(args[0]);
    Path base = Path.of(args[1]);
    String jnrClasspath =
        System.getProperty("ceiling.jnrClasspath", System.getProperty("java.class.path"));
    Set<String> only = Set.of((args.length > 2 ? args[2] : "all").split(","));
    boolean all = only.contains("all");
    if (Files.exists(base)) {
      throw new IOException(base + " exists: remove it first");
    }
    Files.createDirectories(base);
    List<Process> children = new ArrayList<>();
    Map<String, Path> targets = new LinkedHashMap<>();
    Path bmnt = Files.createDirectories(base.resolve("bind-mnt"));
    List<Path> bindfsMounts = new ArrayList<>();
    Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    try {
      Shell.bindfs(Files.createDirectories(base.resolve("bind-src")), bmnt, "");
      bindfsMounts.add(bmnt);
      targets.put(BINDFS, bmnt);
      String java25 = Path.of(System.getProperty("java.home"), "bin", "java").toString();
      String probeCp = System.getProperty("java.class.path");
      targets.put(
          "jnr-fuse passthrough",
          child(
              children,
              base,
              "jnr-pass",
              List.of(
                  JAVA17, "-Xmx3g", "-cp", jnrClasspath, "org.latticefs.bench.fs.PassthroughFs"),
              true));
      targets.put(
          "jnr-fuse memory",
          child(
              children,
              base,
              "jnr-mem",
              List.of(
                  JAVA17,
                  "-Xmx3g",
                  "-Dmemoryfs.discard=" + DISCARD,
                  "-cp",
                  jnrClasspath,
                  "org.latticefs.bench.fs.MemoryFs"),
              false));
      if (Boolean.getBoolean("ceiling.jnrOnJava25")) {
        targets.put(
            "jnr-fuse memory, Java 25",
            child(
                children,
                base,
                "jnr-mem25",
                List.of(
                    java25,
                    "-Xmx3g",
                    "--enable-native-access=ALL-UNNAMED",
                    "-Dmemoryfs.discard=" + DISCARD,
                    "-cp",
                    jnrClasspath,
                    "org.latticefs.bench.fs.MemoryFs"),
                false));
      }
      String extra = System.getProperty("ceiling.extraOptions", "");
      if (!extra.isEmpty()) {
        Path xmnt = Files.createDirectories(base.resolve("bindx-mnt"));
        Shell.bindfs(Files.createDirectories(base.resolve("bindx-src")), xmnt, extra);
        bindfsMounts.add(xmnt);
        targets.put("bindfs +opts", xmnt);
        targets.put(
            "jnr-fuse memory +opts",
            child(
                children,
                base,
                "jnr-memx",
                List.of(
                    JAVA17,
                    "-Xmx3g",
                    "-Dmemoryfs.options=" + extra,
                    "-cp",
                    jnrClasspath,
                    "org.latticefs.bench.fs.MemoryFs"),
                false));
        targets.put(
            "jfuse memory +opts",
            child(
                children,
                base,
                "jfuse-memx",
                List.of(
                    java25,
                    "-Xmx3g",
                    "--enable-native-access=ALL-UNNAMED",
                    "-Dprobe.options=" + ProbeMain.OPTIONS + "," + extra,
                    "-cp",
                    probeCp,
                    ProbeMain.class.getName(),
                    "memory"),
                false));
      }
      List<String> jfuse =
          List.of(
              java25,
              "-Xmx3g",
              "--enable-native-access=ALL-UNNAMED",
              "-cp",
              probeCp,
              ProbeMain.class.getName());
      targets.put(
          "jfuse passthrough",
          child(children, base, "jfuse-pass", with(jfuse, "passthrough"), true));
      List<String> jfuseMemory = new ArrayList<>(jfuse);
      jfuseMemory.add(1, "-Dprobe.discard=" + DISCARD);
      targets.put(
          "jfuse memory", child(children, base, "jfuse-mem", with(jfuseMemory, "memory"), false));
      log("load before: " + Shell.loadavg());

      if (all || only.contains("small")) {
        for (int r = -1; r < rounds; r++) {
          for (var t : targets.entrySet()) {
            SmallFiles.Rates x = SmallFiles.run(t.getValue().resolve("small-" + (r + 1)), 10_000);
            record(results, r, "10k creates (files/s)", t.getKey(), x.creates());
            record(results, r, "10k stats (files/s)", t.getKey(), x.stats());
            record(results, r, "10k create+stat (files/s)", t.getKey(), x.createAndStat());
          }
        }
      }
      boolean write = all || only.contains("write");
      for (int r = -1; write && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          Files.deleteIfExists(t.getValue().resolve("seq.bin"));
          Shell.dropCaches();
          long start = System.nanoTime();
          Fio.seqWrite(t.getValue(), SIZE, true);
          double secs = (System.nanoTime() - start) / 1e9;
          double mib = Files.size(t.getValue().resolve("seq.bin")) / (double) (1 << 20);
          record(results, r, "fio seq write " + SIZE + " (MiB/s, wall)", t.getKey(), mib / secs);
        }
      }
      for (var t : targets.values()) {
        if (!Files.exists(t.resolve("seq.bin"))) {
          Fio.seqWrite(t, SIZE, false);
        }
      }
      boolean read = all || only.contains("read");
      for (int r = -1; read && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          Shell.dropCaches();
          double mib = Fio.seqReadMiBs(t.getValue(), SIZE);
          record(results, r, "fio seq read " + SIZE + " cold (MiB/s)", t.getKey(), mib);
        }
      }
      boolean randread = all || only.contains("randread");
      for (int r = -1; randread && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          Shell.dropCaches();
          double iops = Fio.randReadIops(t.getValue(), SIZE, Integer.parseInt(RUNTIME));
          record(results, r, "fio rand read 4k, " + RUNTIME + " s (IOPS)", t.getKey(), iops);
        }
      }
      log("load after: " + Shell.loadavg());
    } finally {
      for (Path mnt : bindfsMounts) {
        new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
      }
      for (Process p : children) {
        p.getOutputStream().close();
      }
      for (Process p : children) {
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          p.waitFor();
        }
      }
      for (Path mnt : targets.values()) {
        if (FuseMount.isMounted(mnt)) {
          log(mnt + " still mounted: unmounting");
          new ProcessBuilder("fusermount", "-uz", mnt.toString()).inheritIO().start().waitFor();
        }
      }
      Shell.deleteTree(base);
    }
    print(results, new ArrayList<>(targets.keySet()));
  }

  private static List<String> with(List<String> cmd, String kind) {
    List<String> c = new ArrayList<>(cmd);
    c.add(kind);
    return c;
  }

  /** Starts a filesystem JVM: {@code cmd [SOURCE] MNT}, and waits for its {@code MOUNTED}. */
  private static Path child(
      List<Process> children, Path base, String name, List<String> cmd, boolean needsSource)
      throws IOException {
    Path mnt = Files.createDirectories(base.resolve(name + "-mnt"));
    List<String> c = new ArrayList<>(cmd);
    c.add(needsSource ? Files.createDirectories(base.resolve(name + "-src")).toString() : "none");
    c.add(mnt.toString());
    children.add(ChildJvm.startMounted(c));
    return mnt;
  }

  private static void record(
      Map<String, Map<String, List<Double>>> results,
      int round,
      String workload,
      String target,
      double v) {
    log(
        String.format(
            Locale.ROOT,
            "%s %-20s %-34s %9.1f  load %s",
            round < 0 ? "warm-up" : "round " + (round + 1),
            target,
            workload,
            v,
            Shell.loadavg()));
    if (round >= 0) {
      results
          .computeIfAbsent(workload, k -> new LinkedHashMap<>())
          .computeIfAbsent(target, k -> new ArrayList<>())
          .add(v);
    }
  }

  private static void print(Map<String, Map<String, List<Double>>> results, List<String> targets) {
    System.out.println();
    StringBuilder head = new StringBuilder("| workload |");
    StringBuilder rule = new StringBuilder("|---|");
    for (String t : targets) {
      head.append(' ').append(t).append(" |");
      rule.append("---|");
    }
    System.out.println(head);
    System.out.println(rule);
    for (var e : results.entrySet()) {
      double bind = Median.of(e.getValue().get(BINDFS));
      StringBuilder row = new StringBuilder("| ").append(e.getKey()).append(" |");
      for (String t : targets) {
        double m = Median.of(e.getValue().get(t));
        row.append(
            t.equals(BINDFS)
                ? String.format(Locale.ROOT, " %.0f |", m)
                : String.format(Locale.ROOT, " %.0f (%.2f×) |", m, m / bind));
      }
      System.out.println(row);
    }
    System.out.println();
    for (var e : results.entrySet()) {
      System.out.println(e.getKey() + " all rounds: " + e.getValue());
    }
  }

  private static void log(String s) {
    System.err.println(s);
  }
}
