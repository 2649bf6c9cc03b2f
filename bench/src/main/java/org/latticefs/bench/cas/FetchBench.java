package org.latticefs.bench.cas;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.SplittableRandom;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Whole-blob reads of a stored file's chunks from the page cache: {@link DiskBlobStore#fetch} (a
 * new array per blob) against {@link DiskBlobStore#fetchInto} (one reused 1 MiB buffer), rounds
 * alternating, in CPU time of the reading thread (so other programs' load cancels out). Both read
 * and verify every byte.
 *
 * <pre>
 * bench/run FetchBench /var/tmp 1024 7
 * </pre>
 */
public final class FetchBench {
  private FetchBench() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp");
    int mib = args.length > 1 ? Integer.parseInt(args[1]) : 1024;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 7;
    Path dir = Files.createTempDirectory(base, "fetchbench");
    try {
      Path src = dir.resolve("src.bin");
      byte[] block = new byte[1 << 20];
      SplittableRandom rnd = new SplittableRandom(1);
      try (var out = Files.newOutputStream(src)) {
        for (int i = 0; i < mib; i++) {
          rnd.nextBytes(block);
          out.write(block);
        }
      }
      ThreadMXBean mx = ManagementFactory.getThreadMXBean();
      try (DiskBlobStore store = DiskBlobStore.open(dir.resolve("store"))) {
        try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
          new FileIngester(store).ingest(ch);
        }
        List<BlobRef> refs = new ArrayList<>();
        long bytes = 0;
        for (BlobInfo i : store.enumerate(Optional.empty(), Integer.MAX_VALUE)) {
          if (i.size() >= 64 * 1024) {
            refs.add(i.ref());
            bytes += i.size();
          }
        }
        double[] fetch = new double[rounds];
        double[] into = new double[rounds];
        byte[] buf = new byte[1 << 20];
        long sink = 0;
        for (int r = -1; r < rounds; r++) {
          long c0 = mx.getCurrentThreadCpuTime();
          for (BlobRef ref : refs) {
            sink += store.fetch(ref)[0];
          }
          long c1 = mx.getCurrentThreadCpuTime();
          for (BlobRef ref : refs) {
            sink += store.fetchInto(ref, buf) + buf[0];
          }
          long c2 = mx.getCurrentThreadCpuTime();
          if (r >= 0) {
            fetch[r] = (c1 - c0) / 1e9 * (1L << 30) / bytes;
            into[r] = (c2 - c1) / 1e9 * (1L << 30) / bytes;
            System.out.printf(
                Locale.ROOT,
                "round %d: fetch %.3f, fetchInto %.3f CPU-s per GiB%n",
                r + 1,
                fetch[r],
                into[r]);
          }
        }
        System.out.printf(
            Locale.ROOT,
            "%d blobs, %d MiB: median fetch %.3f, fetchInto %.3f CPU-s per GiB (%.2fx) [%d]%n",
            refs.size(),
            bytes >> 20,
            median(fetch),
            median(into),
            median(fetch) / median(into),
            sink & 1);
      }
    } finally {
      try (var walk = Files.walk(dir)) {
        for (Path p : walk.sorted((a, b) -> b.compareTo(a)).toList()) {
          Files.delete(p);
        }
      }
    }
  }

  private static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }
}
