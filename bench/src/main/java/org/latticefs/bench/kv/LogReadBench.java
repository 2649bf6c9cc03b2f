package org.latticefs.bench.kv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.latticefs.kv.Identity;
import org.latticefs.kv.log.SigChainLog;
import org.latticefs.kv.log.SignedEntry;

/**
 * Reading back 100k single-op entries from a {@link SigChainLog}: {@code open} without a verified
 * checkpoint (reads, checks and verifies every signature, on all cores), {@code open} with a
 * checkpoint 10 % behind the tip (verifies the last 10 % of the signatures), {@code open} with an
 * up-to-date checkpoint (no signature), {@code entriesAfter(0)} read + decode + checks without
 * signatures, the same plus {@code verifySignature()} on one thread, and the bare Ed25519 verify
 * rate of the same entries (the wall). Cases are interleaved per round; medians are printed.
 *
 * <p>Arguments: [directory (default ./target/bench-kvlog)] [entries (default 100000)] [rounds
 * (default 3)]. Run: {@code bench/run LogReadBench /var/tmp/bench-kvlog 100000 3}.
 */
public final class LogReadBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-kvlog");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Files.createDirectories(dir);
    Path file = dir.resolve("read-bench.log");
    Path checkpoint = SigChainLog.verifiedCheckpointOf(file);
    Files.deleteIfExists(file);
    Files.deleteIfExists(checkpoint);
    UUID store = UUID.randomUUID();
    Identity id = Identity.generate(new Random(8));
    long t0 = System.nanoTime();
    List<SignedEntry> chain = BenchChains.chain(store, id, n);
    long t1 = System.nanoTime();
    int staleAt = n - n / 10;
    byte[] staleCheckpoint;
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      for (int i = 0; i < staleAt; i += 256) {
        log.append(chain.subList(i, Math.min(staleAt, i + 256)));
      }
    }
    staleCheckpoint = Files.readAllBytes(checkpoint);
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      for (int i = staleAt; i < n; i += 256) {
        log.append(chain.subList(i, Math.min(n, i + 256)));
      }
    }
    byte[] freshCheckpoint = Files.readAllBytes(checkpoint);
    long t2 = System.nanoTime();
    System.out.printf(
        "built and signed %d entries in %.1f s (all cores), appended in %.1f s, file %d bytes%n",
        n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, Files.size(file));
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    String noCheckpoint = "open, no checkpoint: verify all, all cores";
    String stale = "open, checkpoint 10 % behind: verify the tail";
    String fresh = "open, up-to-date checkpoint: no signature";
    try {
      for (int r = 0; r < rounds; r++) {
        Files.delete(checkpoint);
        long s = System.nanoTime();
        try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
          check(log.size() == n);
        }
        add(rates, noCheckpoint, n, s);

        Files.write(checkpoint, staleCheckpoint);
        s = System.nanoTime();
        try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
          check(log.size() == n);
        }
        add(rates, stale, n, s);

        // The stale open brought the mark up to date in place; start the next case from the
        // checkpoint the appender left, byte for byte.
        Files.write(checkpoint, freshCheckpoint);
        s = System.nanoTime();
        try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
          check(log.size() == n);
        }
        add(rates, fresh, n, s);

        try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
          s = System.nanoTime();
          // Not count(): on a SIZED stream it returns the size without reading anything.
          check(
              log.entriesAfter(0).mapToLong(e -> e.entry().seq()).sum() == (long) n * (n + 1) / 2);
          add(rates, "entriesAfter: read+decode, no signature", n, s);

          s = System.nanoTime();
          check(log.entriesAfter(0).allMatch(SignedEntry::verifySignature));
          add(rates, "entriesAfter: read+decode+verify, 1 thread", n, s);
        }

        s = System.nanoTime();
        for (SignedEntry e : chain) {
          check(Identity.verify(id.id(), e.encoded(), e.signature()));
        }
        add(rates, "bare Identity.verify, 1 thread", n, s);
        System.out.printf("round %d done%n", r + 1);
      }
    } finally {
      Files.deleteIfExists(file);
      Files.deleteIfExists(checkpoint);
    }
    System.out.printf("%d entries, median of %d rounds%n", n, rounds);
    System.out.printf("%-48s %12s %10s%n", "case", "entries/s", "seconds");
    for (var e : rates.entrySet()) {
      double rate = Ed25519Bench.median(e.getValue());
      System.out.printf("%-48s %12.0f %10.2f%n", e.getKey(), rate, n / rate);
    }
    double full = Ed25519Bench.median(rates.get(noCheckpoint));
    System.out.printf(
        "open speed-up over no checkpoint: stale %.1fx, up-to-date %.1fx%n",
        Ed25519Bench.median(rates.get(stale)) / full, Ed25519Bench.median(rates.get(fresh)) / full);
  }

  private static void add(Map<String, List<Double>> rates, String name, int n, long start) {
    rates
        .computeIfAbsent(name, k -> new ArrayList<>())
        .add(n / ((System.nanoTime() - start) / 1e9));
  }

  private static void check(boolean ok) {
    if (!ok) {
      throw new IllegalStateException("benchmark result check failed");
    }
  }
}
