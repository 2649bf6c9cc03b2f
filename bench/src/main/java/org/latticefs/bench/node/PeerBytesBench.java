package org.latticefs.bench.node;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import org.latticefs.bench.Median;
import org.latticefs.bench.Shell;
import org.latticefs.node.Daemon;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;

/**
 * Bytes from peers over loopback (issue 15's bench): two daemons A and B in this JVM, each with its
 * own data directory and mount, meshed over 127.0.0.1. Each round A gets a new file of S MiB
 * (default 1,024, incompressible), and:
 *
 * <ol>
 *   <li><b>pull</b>: a cold sequential read of it through B's mount, every chunk fetched from A,
 *       verified and kept on B; against {@code scp} and {@code rsync --whole-file} of a plain file
 *       of the same size to 127.0.0.1 through a generated {@code sshd} ({@link LoopbackSshd});
 *   <li><b>cold read on A</b> of the same file through A's mount (its bytes local), page cache
 *       dropped before each read;
 *   <li><b>random reads</b>: 4 KiB at random offsets of a second file (R MiB, default 256) that
 *       only A holds, read through B's mount one at a time (IOPS, p50, p99), while another thread
 *       reads 4 KiB at random from a file local to B; that thread's p50/p99 alone (before) and
 *       meanwhile show whether local reads keep their latency.
 * </ol>
 *
 * Ratios per round: pull/scp, pull/rsync (goal ≥ 1.0), B/A cold read (goal ≥ 0.8).
 *
 * <p>Run as root with FUSE and {@code openssh-server} installed, from the repository root:
 *
 * <pre>
 * bench/run PeerBytesBench [sizeMiB] [rounds] [randomMiB] [randomReads] [workDir]
 * </pre>
 *
 * {@code workDir} (default {@code /var/tmp/lattice-peerbytes}) holds both data directories, mounts,
 * the plain files and sshd's keys; it is deleted afterwards.
 */
public final class PeerBytesBench {
  private static final int KIB4 = 4096;

  public static void main(String[] args) throws Exception {
    long size = (args.length > 0 ? Long.parseLong(args[0]) : 1024) << 20;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    long randomSize = (args.length > 2 ? Long.parseLong(args[2]) : 256) << 20;
    int reads = args.length > 3 ? Integer.parseInt(args[3]) : 500;
    Path work = Path.of(args.length > 4 ? args[4] : "/var/tmp/lattice-peerbytes");
    if (Files.exists(work)) {
      throw new IOException(work + " exists: remove it or name another");
    }
    Files.createDirectories(work);
    try (LoopbackSshd sshd = LoopbackSshd.start(work.resolve("ssh"))) {
      run(work, sshd, size, rounds, randomSize, reads);
    } finally {
      Shell.run("rm", "-rf", work.toString());
    }
  }

  static NodeConfig loopback() {
    return NodeConfig.fromMap(
        Map.of("mesh.listen", "127.0.0.1:0", "mesh.mdns", "off", "metrics.listen", "off"));
  }

  private static void run(
      Path work, LoopbackSshd sshd, long size, int rounds, long randomSize, int reads)
      throws Exception {
    Path mntA = work.resolve("mntA");
    Path mntB = work.resolve("mntB");
    Daemon a = Daemon.start(new DataDir(work.resolve("a")), loopback(), mntA);
    Daemon b = null;
    try {
      b = Daemon.start(new DataDir(work.resolve("b")), loopback(), mntB);
      b.join(a.invite(600));
      Files.createDirectories(mntA.resolve("bench"));
      Path storeOnB = mntB.resolve("bench");
      long end = System.nanoTime() + 120_000_000_000L;
      while (!Files.isDirectory(storeOnB) && System.nanoTime() - end < 0) {
        Thread.sleep(50); // the store A created shows on B once synced
      }
      Path localOnB = mntB.resolve("bench/local-b.bin");
      write(localOnB, 64L << 20, 999);
      List<Double> pullScp = new ArrayList<>();
      List<Double> pullRsync = new ArrayList<>();
      List<Double> bOverA = new ArrayList<>();
      System.out.printf(
          "size %d MiB, %d rounds, random reads: %d of 4 KiB in %d MiB; load %s%n",
          size >> 20, rounds, reads, randomSize >> 20, Shell.loadavg());
      for (int round = 1; round <= rounds; round++) {
        String name = "bench/file-" + round + ".bin";
        write(mntA.resolve(name), size, round);
        awaitSize(mntB.resolve(name), size);
        Shell.dropCaches();
        double pull = secondsToRead(mntB.resolve(name));
        Shell.dropCaches();
        double onA = secondsToRead(mntA.resolve(name));
        Path plain = work.resolve("plain.bin");
        write(plain, size, round);
        Path copy = work.resolve("copy.bin");
        Files.deleteIfExists(copy);
        Shell.dropCaches();
        double scp = seconds(sshd.scp(plain, copy));
        Files.deleteIfExists(copy);
        Shell.dropCaches();
        double rsync = seconds(sshd.rsync(plain, copy));
        Files.deleteIfExists(copy);
        Files.delete(plain);
        double mib = size / (double) (1 << 20);
        System.out.printf(
            "round %d: pull A->B %.0f MiB/s, scp %.0f MiB/s, rsync %.0f MiB/s, cold read on A %.0f"
                + " MiB/s; pull/scp %.2f, pull/rsync %.2f, B/A %.2f (load %s)%n",
            round,
            mib / pull,
            mib / scp,
            mib / rsync,
            mib / onA,
            scp / pull,
            rsync / pull,
            onA / pull,
            Shell.loadavg());
        pullScp.add(scp / pull);
        pullRsync.add(rsync / pull);
        bOverA.add(onA / pull);

        String rname = "bench/random-" + round + ".bin";
        write(mntA.resolve(rname), randomSize, 1000 + round);
        awaitSize(mntB.resolve(rname), randomSize);
        Shell.dropCaches();
        long[] alone = localReads(localOnB, reads, new AtomicBoolean(false), round);
        AtomicBoolean remoteRunning = new AtomicBoolean(true);
        long[][] meanwhile = new long[1][];
        long localSeed = -round;
        Thread local =
            new Thread(
                () -> {
                  try {
                    meanwhile[0] =
                        localReads(localOnB, Integer.MAX_VALUE, remoteRunning, localSeed);
                  } catch (IOException e) {
                    throw new IllegalStateException(e);
                  }
                });
        local.start();
        long t0 = System.nanoTime();
        long[] remote;
        try {
          remote = randomReads(mntB.resolve(rname), randomSize, reads, round);
        } finally {
          remoteRunning.set(false);
          local.join();
        }
        double took = (System.nanoTime() - t0) / 1e9;
        System.out.printf(
            "round %d: 4 KiB random reads on B of a remote-only file: %.0f IOPS, p50 %.2f ms, p99"
                + " %.2f ms; local 4 KiB reads on B alone p50 %.3f ms p99 %.3f ms, meanwhile p50"
                + " %.3f ms p99 %.3f ms (%d reads)%n",
            round,
            reads / took,
            pct(remote, 50),
            pct(remote, 99),
            pct(alone, 50),
            pct(alone, 99),
            pct(meanwhile[0], 50),
            pct(meanwhile[0], 99),
            meanwhile[0].length);
      }
      System.out.printf(
          "median of %d rounds: pull/scp %.2f, pull/rsync %.2f, B/A cold read %.2f (%s)%n",
          rounds, Median.of(pullScp), Median.of(pullRsync), Median.of(bOverA), b.blobStats());
    } finally {
      if (b != null) {
        b.stop();
      }
      a.stop();
    }
  }

  static void write(Path f, long size, long seed) throws IOException {
    byte[] block = new byte[1 << 20];
    Random r = new Random(seed);
    try (OutputStream out = Files.newOutputStream(f)) {
      for (long at = 0; at < size; at += block.length) {
        r.nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, size - at));
      }
    }
  }

  static void awaitSize(Path f, long size) throws Exception {
    long end = System.nanoTime() + 120_000_000_000L;
    while (!(Files.exists(f) && Files.size(f) == size)) {
      if (System.nanoTime() - end > 0) {
        throw new IOException(f + " did not show with " + size + " bytes within 120 s");
      }
      Thread.sleep(50);
    }
  }

  static double secondsToRead(Path f) throws IOException {
    byte[] buf = new byte[1 << 20];
    long t0 = System.nanoTime();
    try (InputStream in = Files.newInputStream(f)) {
      while (in.read(buf) > 0) {}
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  static double seconds(List<String> cmd) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Shell.run(cmd.toArray(String[]::new));
    return (System.nanoTime() - t0) / 1e9;
  }

  /** {@code n} reads of 4 KiB at random offsets of {@code f}, one at a time; their latencies. */
  static long[] randomReads(Path f, long size, int n, long seed) throws IOException {
    Random r = new Random(seed);
    long[] nanos = new long[n];
    ByteBuffer buf = ByteBuffer.allocate(KIB4);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      for (int i = 0; i < n; i++) {
        long off = (r.nextLong() & Long.MAX_VALUE) % (size - KIB4);
        buf.clear();
        long t0 = System.nanoTime();
        while (buf.hasRemaining() && ch.read(buf, off + buf.position()) > 0) {}
        nanos[i] = System.nanoTime() - t0;
      }
    }
    return nanos;
  }

  /**
   * 4 KiB reads at random offsets of {@code f}: {@code n} of them, or (when {@code until} is set)
   * as many as run until it is cleared; their latencies.
   */
  static long[] localReads(Path f, int n, AtomicBoolean until, long seed) throws IOException {
    boolean whileSet = until.get();
    Random r = new Random(seed);
    long size = Files.size(f);
    long[] nanos = new long[1024];
    int count = 0;
    ByteBuffer buf = ByteBuffer.allocate(KIB4);
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      while (count < n && (!whileSet || until.get())) {
        long off = (r.nextLong() & Long.MAX_VALUE) % (size - KIB4);
        buf.clear();
        long t0 = System.nanoTime();
        while (buf.hasRemaining() && ch.read(buf, off + buf.position()) > 0) {}
        if (count == nanos.length) {
          nanos = Arrays.copyOf(nanos, count * 2);
        }
        nanos[count++] = System.nanoTime() - t0;
        sleepBriefly();
      }
    }
    return Arrays.copyOf(nanos, count);
  }

  /** A reader that is not a busy loop: about 200 reads a second at most. */
  private static void sleepBriefly() {
    try {
      Thread.sleep(5);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  static double pct(long[] nanos, int p) {
    if (nanos.length == 0) {
      return Double.NaN;
    }
    long[] s = nanos.clone();
    Arrays.sort(s);
    return s[Math.min(s.length - 1, s.length * p / 100)] / 1e6;
  }
}
