package org.latticefs.bench.cas;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.SplittableRandom;
import org.latticefs.cas.chunk.Chunker;

/**
 * Throughput of {@link Chunker#DEFAULT}'s cut-point search alone (no reading, no hashing, no
 * storing): random bytes in memory cut from start to end, CPU time of the cutting thread.
 *
 * <pre>
 * bench/run ChunkerBench [MiB=256] [rounds=10]
 * </pre>
 */
public final class ChunkerBench {
  private ChunkerBench() {}

  public static void main(String[] args) {
    int mib = args.length > 0 ? Integer.parseInt(args[0]) : 256;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    byte[] data = new byte[mib << 20];
    new SplittableRandom(1).nextBytes(data);
    ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    Chunker c = Chunker.DEFAULT;
    for (int r = 0; r < rounds; r++) {
      long cpu = mx.getCurrentThreadCpuTime();
      long wall = System.nanoTime();
      int chunks = 0;
      for (int pos = 0; pos < data.length; chunks++) {
        pos += c.cutLength(data, pos, data.length - pos);
      }
      double cpuS = (mx.getCurrentThreadCpuTime() - cpu) / 1e9;
      double wallS = (System.nanoTime() - wall) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "round %d: %d chunks, %.2f GB/CPU-s (%.3f CPU-s per GiB), wall %.2f GB/s%n",
          r,
          chunks,
          data.length / cpuS / 1e9,
          cpuS * (1 << 30) / data.length,
          data.length / wallS / 1e9);
    }
  }
}
