package org.latticefs.bench.kv;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
 * Durable appends per second of single-op signed entries to a {@link SigChainLog}: one fsync per
 * entry, and batches of 16/64/256 entries per fsync (what the store's writer does with concurrent
 * commits), against the peer "raw": the same bytes written with {@code FileChannel.write} + {@code
 * force(false)} per entry, the disk's own fsync ceiling. Entries are signed beforehand, except in
 * "sign+append" (a commit: sign then append, one per fsync). Cases are interleaved per round; the
 * median is printed.
 *
 * <p>Arguments: [directory on the disk to measure (default ./target/bench-kvlog)] [seconds per case
 * (default 2)] [rounds (default 3)]. Run: {@code bench/run LogAppendBench /var/tmp/bench-kvlog 2
 * 3}.
 */
public final class LogAppendBench {
  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args.length > 0 ? args[0] : "target/bench-kvlog");
    double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 2;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    Files.createDirectories(dir);
    UUID store = UUID.randomUUID();
    Identity id = Identity.generate(new Random(7));
    List<SignedEntry> chain = BenchChains.chain(store, id, 40_000);
    int[] batches = {1, 16, 64, 256};
    Map<String, List<Double>> rates = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      rates
          .computeIfAbsent("raw write+fdatasync, 1 per fsync", k -> new ArrayList<>())
          .add(raw(dir.resolve("raw.bin"), chain, seconds));
      for (int b : batches) {
        rates
            .computeIfAbsent("SigChainLog, " + b + " per fsync", k -> new ArrayList<>())
            .add(appends(dir.resolve("log-" + b + ".log"), store, id, chain, b, seconds));
      }
      rates
          .computeIfAbsent("sign+append, 1 per fsync", k -> new ArrayList<>())
          .add(signAndAppend(dir.resolve("commit.log"), store, id, chain, seconds));
    }
    double base = Ed25519Bench.median(rates.get("raw write+fdatasync, 1 per fsync"));
    System.out.printf(
        "single-op entries (%d bytes on the wire), median of %d rounds of %.1f s, dir %s%n",
        chain.get(0).wireLength(), rounds, seconds, dir.toAbsolutePath());
    System.out.printf("%-36s %12s %10s%n", "case", "entries/s", "vs raw");
    for (var e : rates.entrySet()) {
      double m = Ed25519Bench.median(e.getValue());
      System.out.printf("%-36s %12.0f %10.2f%n", e.getKey(), m, m / base);
    }
  }

  private static double appends(
      Path file, UUID store, Identity id, List<SignedEntry> chain, int batch, double seconds)
      throws Exception {
    Files.deleteIfExists(file);
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      long start = System.nanoTime();
      int n = 0;
      while (System.nanoTime() < deadline && n + batch <= chain.size()) {
        log.append(chain.subList(n, n + batch));
        n += batch;
      }
      double rate = n / ((System.nanoTime() - start) / 1e9);
      if (log.size() != n) {
        throw new IllegalStateException("appended " + n + " but the log has " + log.size());
      }
      return rate;
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static double signAndAppend(
      Path file, UUID store, Identity id, List<SignedEntry> chain, double seconds)
      throws Exception {
    Files.deleteIfExists(file);
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      long start = System.nanoTime();
      int n = 0;
      while (System.nanoTime() < deadline && n < chain.size()) {
        SignedEntry s = SignedEntry.sign(chain.get(n).entry(), id);
        log.append(List.of(s));
        n++;
      }
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  private static double raw(Path file, List<SignedEntry> chain, double seconds) throws Exception {
    Files.deleteIfExists(file);
    try (FileChannel ch =
        FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long deadline = System.nanoTime() + (long) (seconds * 1e9);
      long start = System.nanoTime();
      int n = 0;
      long pos = 0;
      while (System.nanoTime() < deadline && n < chain.size()) {
        byte[] wire = chain.get(n).toWire();
        ByteBuffer b = ByteBuffer.allocate(wire.length + 20);
        b.putInt(0).putInt(wire.length).putLong(1).put(wire).putInt(0).flip();
        while (b.hasRemaining()) {
          pos += ch.write(b, pos);
        }
        ch.force(false);
        n++;
      }
      return n / ((System.nanoTime() - start) / 1e9);
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
