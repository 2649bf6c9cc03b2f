package org.latticefs.bench.fs;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.latticefs.bench.Fio;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.MountMain;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * Lattice's mount against bindfs (a C FUSE passthrough on the same libfuse2) over a directory on
 * the same disk, in one run, interleaved (A B A B A B) and reported as medians and ratios.
 *
 * <p>Workloads: fio sequential write of 1 GiB (1 MiB blocks, psync, fsync at the end; wall time),
 * fio sequential read of it cold, fio random 4 KiB reads of it (cold start, 15 s), and creating
 * 10,000 files of 1 KiB (create, write, close) then stat-ing them all.
 *
 * <p><b>Cold</b> means every cache is empty, not only the kernel's: before each read round both
 * targets are remounted, then {@code sync; echo 3 > /proc/sys/vm/drop_caches} empties the page
 * cache, dentries and inodes. bindfs is unmounted with {@code fusermount -u} and started again.
 * Lattice, by default ({@code -Dfsbench.cold=remount}), is told on stdin to unmount, close its
 * filesystem, blob store and stores, open them again and mount ({@link MountMain}'s {@code
 * REMOUNT}): every Lattice cache (chunk cache, manifests, readers) starts empty, in a JVM that has
 * been running (compiled code and heap pages warm, as in a daemon that has been up a while). With
 * {@code -Dfsbench.cold=restart} the daemon JVM itself is stopped and a new one started before each
 * round: that adds the JVM's start-up (JIT compilation, first touch of heap pages) to the measured
 * read.
 *
 * <p>The Lattice daemon runs in a child JVM ({@link MountMain}: real kv and DiskBlobStore); bindfs
 * gets {@code -o big_writes,auto_cache,use_ino}, Lattice its defaults ({@link
 * FuseMount#DEFAULT_OPTIONS}: the same plus {@code max_read}, {@code default_permissions}). Run as
 * root:
 *
 * <pre>
 * bench/run FsBench [rounds=3] [dir=/var/tmp/lattice-bench] [all|WORKLOAD,...]
 * </pre>
 *
 * <p>Workloads (comma-separated; default {@code all}): {@code write} (seq write), {@code read} (seq
 * read cold; needs the file {@code write} leaves, and writes it once if missing), {@code randread}
 * (likewise), {@code small} (10k create+stat).
 *
 * <p>Extra JVM options for the Lattice daemon (e.g. {@code -XX:StartFlightRecording=...} to profile
 * it) go in the system property {@code fsbench.daemonJvmArgs}, space-separated.
 */
public final class FsBench {
  private FsBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    Path base = Path.of(args.length > 1 ? args[1] : "/var/tmp/lattice-bench");
    Set<String> only = Set.of((args.length > 2 ? args[2] : "all").split(","));
    boolean all = only.contains("all");
    boolean write = all || only.contains("write");
    boolean read = all || only.contains("read");
    boolean randread = all || only.contains("randread");
    boolean small = all || only.contains("small");
    Shell.deleteTree(base);
    Path data = Files.createDirectories(base.resolve("lattice-data"));
    Path lmnt = Files.createDirectories(base.resolve("lattice-mnt"));
    Path bsrc = Files.createDirectories(base.resolve("bind-src"));
    Path bmnt = Files.createDirectories(base.resolve("bind-mnt"));
    Mounts mounts = new Mounts(data, lmnt, bsrc, bmnt);
    mounts.mountLattice();
    mounts.mountBindfs();
    Path lattice = Files.createDirectory(lmnt.resolve("bench"));
    Map<String, Path> targets = new LinkedHashMap<>();
    targets.put("lattice", lattice);
    targets.put("bindfs", bmnt);
    Map<String, Map<String, List<Double>>> results = new LinkedHashMap<>();
    try {
      for (int r = 0; (write || !Files.exists(lattice.resolve("seq.bin"))) && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          Files.deleteIfExists(t.getValue().resolve("seq.bin"));
          Shell.dropCaches();
          long start = System.nanoTime();
          Fio.seqWrite(t.getValue(), "1G", true);
          double secs = (System.nanoTime() - start) / 1e9;
          add(results, "seq write 1 GiB (MiB/s)", t.getKey(), 1024 / secs);
          log(t.getKey() + " seq write " + (int) (1024 / secs) + " MiB/s");
        }
      }
      for (int r = 0; read && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          mounts.remount(t.getKey());
          Shell.dropCaches();
          double mib = Fio.seqReadMiBs(t.getValue(), "1G");
          add(results, "seq read cold (MiB/s)", t.getKey(), mib);
          log(t.getKey() + " seq read " + (int) mib + " MiB/s");
        }
      }
      for (int r = 0; randread && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          mounts.remount(t.getKey());
          Shell.dropCaches();
          double iops = Fio.randReadIops(t.getValue(), "1G", 15);
          add(results, "rand read 4k (IOPS)", t.getKey(), iops);
          log(t.getKey() + " rand read " + (int) iops + " IOPS");
        }
      }
      for (int r = 0; small && r < rounds; r++) {
        for (var t : targets.entrySet()) {
          SmallFiles.Rates x = SmallFiles.run(t.getValue().resolve("small-" + r), 10_000);
          add(results, "10k creates (files/s)", t.getKey(), x.creates());
          add(results, "10k stats (files/s)", t.getKey(), x.stats());
          add(results, "10k create+stat (files/s)", t.getKey(), x.createAndStat());
          log(t.getKey() + " creates " + (int) x.creates() + "/s, stats " + (int) x.stats() + "/s");
        }
      }
    } finally {
      mounts.unmountLattice();
      mounts.unmountBindfs();
    }
    System.out.println();
    System.out.println(
        "| workload | lattice (median) | bindfs (median) | ratio | per-round ratios (median) |");
    System.out.println("|---|---|---|---|---|");
    for (var e : results.entrySet()) {
      List<Double> ls = e.getValue().get("lattice");
      List<Double> bs = e.getValue().get("bindfs");
      double l = Median.of(ls);
      double b = Median.of(bs);
      // Each round's targets ran minutes apart at most: their ratio drifts less with the machine.
      List<Double> perRound = new ArrayList<>();
      for (int i = 0; i < Math.min(ls.size(), bs.size()); i++) {
        perRound.add(ls.get(i) / bs.get(i));
      }
      System.out.printf(
          "| %s | %.0f | %.0f | %.2fx | %s (%.2fx) |%n",
          e.getKey(),
          l,
          b,
          l / b,
          perRound.stream().map(d -> String.format("%.2f", d)).toList(),
          Median.of(perRound));
    }
    System.out.println();
    for (var e : results.entrySet()) {
      System.out.println(e.getKey() + " all runs: " + e.getValue());
    }
    Shell.deleteTree(base);
  }

  /** The two mounts, each of which can be stopped and started again to empty its caches. */
  private static final class Mounts {
    private final Path data;
    private final Path lmnt;
    private final Path bsrc;
    private final Path bmnt;
    private final boolean restartJvm =
        System.getProperty("fsbench.cold", "remount").equals("restart");
    private Process daemon;
    private BufferedReader daemonOut;
    private boolean bindfsMounted;

    Mounts(Path data, Path lmnt, Path bsrc, Path bmnt) {
      this.data = data;
      this.lmnt = lmnt;
      this.bsrc = bsrc;
      this.bmnt = bmnt;
    }

    void remount(String target) throws IOException, InterruptedException {
      if (target.equals("lattice") && !restartJvm) {
        daemon.getOutputStream().write("REMOUNT\n".getBytes(StandardCharsets.UTF_8));
        daemon.getOutputStream().flush();
        awaitMounted(daemonOut);
      } else if (target.equals("lattice")) {
        unmountLattice();
        mountLattice();
      } else {
        unmountBindfs();
        mountBindfs();
      }
    }

    void mountLattice() throws IOException {
      daemon = startDaemon(data, lmnt);
      daemonOut =
          new BufferedReader(
              new InputStreamReader(daemon.getInputStream(), StandardCharsets.UTF_8));
      awaitMounted(daemonOut);
    }

    void mountBindfs() throws IOException, InterruptedException {
      Shell.bindfs(bsrc, bmnt, "");
      bindfsMounted = true;
    }

    /** Closes the daemon's stdin (it unmounts cleanly and exits) and waits for it. */
    void unmountLattice() throws IOException, InterruptedException {
      if (daemon == null) {
        return;
      }
      Process p = daemon;
      daemon = null;
      p.getOutputStream().close();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        Shell.run("fusermount", "-uz", lmnt.toString());
      }
    }

    void unmountBindfs() throws IOException, InterruptedException {
      if (bindfsMounted) {
        bindfsMounted = false;
        Shell.unmount(bmnt);
      }
    }
  }

  private static void add(
      Map<String, Map<String, List<Double>>> results, String workload, String target, double v) {
    results
        .computeIfAbsent(workload, k -> new LinkedHashMap<>())
        .computeIfAbsent(target, k -> new ArrayList<>())
        .add(v);
  }

  private static Process startDaemon(Path data, Path mnt) throws IOException {
    List<String> jvmArgs = new ArrayList<>(List.of("-Xmx2g"));
    String extra = System.getProperty("fsbench.daemonJvmArgs", "").strip();
    if (!extra.isEmpty()) {
      jvmArgs.addAll(List.of(extra.split("\\s+")));
    }
    List<String> cmd = ChildJvm.command(MountMain.class, jvmArgs, data.toString(), mnt.toString());
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /** Reads the daemon's stdout up to its next {@code MOUNTED}. */
  private static void awaitMounted(BufferedReader out) throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("MOUNTED")) {
        return;
      }
    }
    throw new IOException("the lattice daemon exited before mounting");
  }

  private static void log(String s) {
    System.err.println(s);
  }
}
