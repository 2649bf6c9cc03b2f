package org.latticefs.bench.kv;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.latticefs.kv.BouncyCastleEd25519;
import org.latticefs.kv.Ed25519Engine;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Signatures;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignatureBatch;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.node.crypto.SodiumEd25519;

/**
 * Ed25519 through kv's rule on each engine (kv's BouncyCastle, node's libsodium): entries verified
 * per second by {@link SignatureBatch} with 1 and 2 threads, and entries signed per second on one
 * thread. The entries are the catch-up benchmark's (one 32-byte put each, ~170 bytes encoded).
 * Cases are interleaved round by round (A B C … A B C …); medians are printed.
 *
 * <p>Run: {@code bench/run SignatureBench [seconds=2] [rounds=5]}; figures in BENCHMARKS.md,
 * "Mesh".
 */
public final class SignatureBench {
  private static final int BATCH = 256;

  private SignatureBench() {}

  /** {@code engine} null: BouncyCastle's verify alone, as kv checked signatures before the rule. */
  private record Case(String name, Ed25519Engine engine, int threads, boolean sign) {}

  /** Per wall-clock second and per second of this process's CPU time (robust to a loaded box). */
  private record Rate(double wall, double cpu) {}

  public static void main(String[] args) {
    double seconds = args.length > 0 ? Double.parseDouble(args[0]) : 2.0;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    List<Ed25519Engine> engines = new ArrayList<>();
    engines.add(BouncyCastleEd25519.INSTANCE);
    SodiumEd25519.load().ifPresentOrElse(engines::add, () -> System.out.println("no libsodium"));
    Identity author = Identity.generate(new Random(7));
    List<SignedEntry> batch = BenchChains.singlePuts(UUID.randomUUID(), author, BATCH);
    List<Entry> unsigned = batch.stream().map(SignedEntry::entry).toList();
    List<Case> cases = new ArrayList<>();
    cases.add(new Case("bouncycastle alone (kv before), verify, 1 thread", null, 1, false));
    for (Ed25519Engine e : engines) {
      cases.add(new Case(e.name() + ", verify, 1 thread", e, 1, false));
      cases.add(new Case(e.name() + ", verify, 2 threads", e, 2, false));
      cases.add(new Case(e.name() + ", sign, 1 thread", e, 1, true));
    }
    Map<Case, List<Rate>> rates = new LinkedHashMap<>();
    for (int r = -1; r < rounds; r++) {
      for (Case c : cases) {
        Rate rate = run(c, batch, unsigned, author, r < 0 ? 0.5 : seconds);
        if (r >= 0) {
          rates.computeIfAbsent(c, k -> new ArrayList<>()).add(rate);
        }
      }
    }
    System.out.printf(
        "nproc %d, %d rounds of %.1f s, batches of %d entries (%d bytes encoded)%n",
        Runtime.getRuntime().availableProcessors(),
        rounds,
        seconds,
        BATCH,
        batch.get(0).encoded().length);
    System.out.printf(
        "%-50s %10s %10s %10s %12s%n", "case", "median/s", "min/s", "max/s", "per CPU-s");
    for (Map.Entry<Case, List<Rate>> e : rates.entrySet()) {
      List<Double> xs = e.getValue().stream().map(Rate::wall).sorted().toList();
      List<Double> cpu = e.getValue().stream().map(Rate::cpu).toList();
      System.out.printf(
          "%-50s %10.0f %10.0f %10.0f %12.0f%n",
          e.getKey().name,
          Ed25519Bench.median(xs),
          xs.get(0),
          xs.get(xs.size() - 1),
          Ed25519Bench.median(cpu));
    }
    Signatures.use(BouncyCastleEd25519.INSTANCE);
  }

  private static Rate run(
      Case c, List<SignedEntry> batch, List<Entry> unsigned, Identity author, double seconds) {
    Signatures.use(c.engine == null ? BouncyCastleEd25519.INSTANCE : c.engine);
    SignatureBatch checker = new SignatureBatch(c.threads);
    Ed25519.PublicPoint before = Ed25519.validatePublicKeyPartialExport(author.id().publicKey(), 0);
    long deadline = System.nanoTime() + (long) (seconds * 1e9);
    long start = System.nanoTime();
    long cpu0 = processCpuNanos();
    long n = 0;
    do {
      if (c.engine == null) {
        for (SignedEntry e : batch) {
          byte[] m = e.encoded();
          if (!Ed25519.verify(e.signature(), 0, before, m, 0, m.length)) {
            throw new IllegalStateException("BouncyCastle refused a valid signature");
          }
        }
      } else if (c.sign) {
        for (Entry e : unsigned) {
          SignedEntry.sign(e, author);
        }
      } else if (checker.firstInvalid(batch) != -1) {
        throw new IllegalStateException(c.name + ": a valid signature was refused");
      }
      n += batch.size();
    } while (System.nanoTime() < deadline);
    double wall = (System.nanoTime() - start) / 1e9;
    double cpu = (processCpuNanos() - cpu0) / 1e9;
    return new Rate(n / wall, n / cpu);
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }
}
