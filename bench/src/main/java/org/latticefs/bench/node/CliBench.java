package org.latticefs.bench.node;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * What a user of the CLI waits for, each as a ratio against a peer in the same run, interleaved (A
 * B A B …, medians):
 *
 * <ul>
 *   <li>{@code lattice-fs hash FILE} vs {@code b3sum FILE} on a 1 GiB file (whole process, JVM
 *       start included);
 *   <li>{@code lattice-fs kv get} answered by a running daemon over the control socket vs the same
 *       command opening the data directory itself (no daemon).
 * </ul>
 *
 * Run after building the jar, from the repository root:
 *
 * <pre>
 * ./lattice-fs --version &amp;&amp; bench/run CliBench [MiB] [rounds]
 * </pre>
 */
public final class CliBench {
  private CliBench() {}

  public static void main(String[] args) throws Exception {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path launcher = Path.of("lattice-fs").toAbsolutePath();
    Path tmp = Files.createTempDirectory("lattice-clibench");
    try {
      Path file = tmp.resolve("data.bin");
      writeRandom(file, (long) mib << 20);
      List<Long> ours = new ArrayList<>();
      List<Long> b3 = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        ours.add(time(launcher.toString(), "hash", file.toString()));
        b3.add(time("b3sum", "--num-threads", "1", file.toString()));
      }
      report("hash " + mib + " MiB: lattice-fs hash vs b3sum --num-threads 1", ours, b3, mib);
      List<Long> b3mt = new ArrayList<>();
      List<Long> ours2 = new ArrayList<>();
      for (int i = 0; i < rounds; i++) {
        ours2.add(time(launcher.toString(), "hash", file.toString()));
        b3mt.add(time("b3sum", file.toString()));
      }
      report("hash " + mib + " MiB: lattice-fs hash vs b3sum (all cores)", ours2, b3mt, mib);
      Files.delete(file);

      Path home = tmp.resolve("home");
      Path mnt = tmp.resolve("mnt");
      String h = home.toString();
      run(launcher.toString(), "--home", h, "kv", "put", "/bench", "value");
      List<Long> direct = new ArrayList<>();
      for (int i = 0; i < rounds * 2; i++) {
        direct.add(time(launcher.toString(), "--home", h, "kv", "get", "/bench"));
      }
      run(launcher.toString(), "--home", h, "mount", "--daemon", mnt.toString());
      List<Long> daemon = new ArrayList<>();
      try {
        for (int i = 0; i < rounds * 2; i++) {
          daemon.add(time(launcher.toString(), "--home", h, "kv", "get", "/bench"));
        }
      } finally {
        run(launcher.toString(), "--home", h, "unmount", mnt.toString());
      }
      report("kv get: through the daemon vs opening the data directory", daemon, direct, 0);
    } finally {
      run("rm", "-rf", tmp.toString());
    }
  }

  static void writeRandom(Path file, long bytes) throws IOException {
    byte[] buf = new byte[1 << 20];
    Random r = new Random(1);
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < bytes; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, bytes - done));
      }
    }
  }

  static long time(String... cmd) throws Exception {
    long t0 = System.nanoTime();
    run(cmd);
    return System.nanoTime() - t0;
  }

  static void run(String... cmd) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .redirectError(ProcessBuilder.Redirect.INHERIT);
    pb.environment().put("LATTICE_NO_BUILD", "1");
    Process p = pb.start();
    if (!p.waitFor(10, TimeUnit.MINUTES) || p.exitValue() != 0) {
      throw new IllegalStateException("failed: " + Arrays.toString(cmd));
    }
  }

  static void report(String what, List<Long> ours, List<Long> peer, int mib) {
    double a = median(ours) / 1e6;
    double b = median(peer) / 1e6;
    String rate =
        mib == 0
            ? ""
            : String.format(
                " (%.0f MB/s vs %.0f MB/s)", mib * 1.048576 * 1000 / a, mib * 1.048576 * 1000 / b);
    System.out.printf(
        "%s: median %.0f ms vs %.0f ms, ratio (peer time / ours) %.2f%s%n",
        what, a, b, b / a, rate);
  }

  static double median(List<Long> xs) {
    long[] s = xs.stream().mapToLong(Long::longValue).sorted().toArray();
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
  }
}
