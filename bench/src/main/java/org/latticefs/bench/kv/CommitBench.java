package org.latticefs.bench.kv;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.StoreSettings;

/**
 * Durable commits per second of single-op entries (one 32-byte put each), from 1 committer and from
 * several concurrent ones (group commit: one fsync per batch), beside the disk's own rate of small
 * appends each followed by {@code FileChannel.force(false)} (fdatasync), the floor for one
 * committer; then buffered commits ({@link Durability#PROCESS_CRASH}: written, fsynced within the
 * sync delay) from 1 and 4 committers. Run: {@code bench/run CommitBench DIR [SECONDS_PER_CASE=5]}.
 */
public final class CommitBench {
  private CommitBench() {}

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory(Path.of(args[0]), "commit-bench");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 5;
    System.out.printf("nproc %d, %s%n", Runtime.getRuntime().availableProcessors(), root);
    for (int rep = 0; rep < 2; rep++) {
      System.out.printf("fdatasync'd 200-byte appends: %.0f /s%n", rawSyncs(root, seconds));
      for (int threads : new int[] {1, 4, 16, 64}) {
        run(root, threads, seconds, Durability.DISK);
      }
      for (int threads : new int[] {1, 4}) {
        run(root, threads, seconds, Durability.PROCESS_CRASH);
      }
    }
  }

  static double rawSyncs(Path root, double seconds) throws Exception {
    Path f = root.resolve("raw-" + System.nanoTime());
    ByteBuffer buf = ByteBuffer.allocate(200);
    long n = 0;
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long t0 = System.nanoTime();
    try (FileChannel ch =
        FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      while (System.nanoTime() < deadline) {
        buf.clear();
        ch.write(buf);
        ch.force(false);
        n++;
      }
    }
    double rate = n / ((System.nanoTime() - t0) / 1e9);
    Files.delete(f);
    return rate;
  }

  static void run(Path root, int threads, double seconds, Durability durability) throws Exception {
    Path dir = root.resolve("store-" + threads + "-" + System.nanoTime());
    try (LogStore store =
        LogStore.open(
            dir, UUID.randomUUID(), Identity.generate(new Random(1)), StoreSettings.defaults())) {
      store.commit(List.of(Op.Put.utf8("/warmup", "x")));
      ExecutorService pool = Executors.newFixedThreadPool(threads);
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      long t0 = System.nanoTime();
      List<Future<Long>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int tt = t;
        done.add(
            pool.submit(
                () -> {
                  long n = 0;
                  byte[] value = new byte[32];
                  while (System.nanoTime() < deadline) {
                    store.commit(List.of(new Op.Put("/bench/" + tt + "/" + n, value)), durability);
                    n++;
                  }
                  return n;
                }));
      }
      long total = 0;
      for (Future<Long> f : done) {
        total += f.get();
      }
      double elapsed = (System.nanoTime() - t0) / 1e9;
      pool.shutdown();
      LogStore.Stats s = store.stats();
      System.out.printf(
          "%-13s committers %3d: %8.0f commits/s, %.1f entries per append, %d deferred syncs%n",
          durability,
          threads,
          total / elapsed,
          (double) s.committed() / s.commitAppends(),
          s.deferredSyncs());
    }
  }
}
