package org.latticefs.kv.bench;

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
 * Reading back 100k single-op entries from a {@link SigChainLog}: {@code open} (reads, checks and
 * verifies every signature, on all cores), {@code entriesAfter(0)} read + decode + checks without
 * signatures, the same plus {@code verifySignature()} on one thread, and the bare Ed25519 verify
 * rate of the same entries (the wall). Cases are interleaved per round; medians are printed.
 *
 * <p>Arguments: [directory (default ./target/bench-kvlog)] [entries (default 100000)] [rounds
 * (default 3)]. Run: see BENCHMARKS.md, "Signed log".
 */
public final class LogReadBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-kvlog");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Files.createDirectories(dir);
    Path file = dir.resolve("read-bench.log");
    Files.deleteIfExists(file);
    UUID store = UUID.randomUUID();
    Identity id = Identity.generate(new Random(8));
    long t0 = System.nanoTime();
    List<SignedEntry> chain = BenchChains.chain(store, id, n);
    long t1 = System.nanoTime();
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      for (int i = 0; i < n; i += 256) {
        log.append(chain.subList(i, Math.min(n, i + 256)));
      }
    }
    long t2 = System.nanoTime();
    System.out.printf(
        "built and signed %d entries in %.1f s (all cores), appended in %.1f s, file %d bytes%n",
        n, (t1 - t0) / 1e9, (t2 - t1) / 1e9, Files.size(file));
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    try {
      for (int r = 0; r < rounds; r++) {
        long s = System.nanoTime();
        try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
          check(log.size() == n);
        }
        add(rates, "open: read+decode+verify all, all cores", n, s);

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
      }
    } finally {
      Files.deleteIfExists(file);
    }
    System.out.printf("%d entries, median of %d rounds%n", n, rounds);
    System.out.printf("%-44s %12s%n", "case", "entries/s");
    for (var e : rates.entrySet()) {
      System.out.printf("%-44s %12.0f%n", e.getKey(), Ed25519Bench.median(e.getValue()));
    }
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
