package org.latticefs.bench.mesh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.latticefs.bench.Shell;
import org.latticefs.bench.kv.BenchChains;
import org.latticefs.kv.BouncyCastleEd25519;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;
import org.latticefs.kv.Signatures;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.Mesh;
import org.latticefs.mesh.MeshConfig;
import org.latticefs.mesh.peer.Discovery;
import org.latticefs.node.crypto.SodiumEd25519;

/**
 * Catch-up of a new node over loopback, and gossip latency. Node A holds N entries of one author in
 * a store (on disk, in {@code DIR}); a fresh node B joins it and pulls them all, every signature
 * verified by B's ingest; the time from the join to B holding the last entry gives entries/s. Then
 * A commits single entries (fsynced) one at a time and B's append listener times their arrival: p50
 * and p99. Run: {@code bench/run CatchUpBench DIR [N=100000] [GOSSIPS=300] [ENGINE=auto]}: ENGINE
 * {@code auto} installs libsodium where it loads, as a node does; {@code bouncycastle} keeps kv's
 * own engine.
 */
public final class CatchUpBench {
  private CatchUpBench() {}

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory(Path.of(args[0]), "catchup-bench");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int gossips = args.length > 2 ? Integer.parseInt(args[2]) : 300;
    String engine = args.length > 3 ? args[3] : "auto";
    switch (engine) {
      case "auto" -> SodiumEd25519.install();
      case "bouncycastle" -> Signatures.use(BouncyCastleEd25519.INSTANCE);
      default -> throw new IllegalArgumentException("ENGINE is auto or bouncycastle: " + engine);
    }
    System.out.printf(
        "nproc %d, %d entries, Ed25519 engine %s, %s%n",
        Runtime.getRuntime().availableProcessors(), n, Signatures.engine().name(), root);
    try (DiskStores a = DiskStores.open(root.resolve("a"))) {
      UUID storeId = a.createStore("bench").id();
      LogStore onA = a.open(storeId);
      Identity author = Identity.generate(new Random(7));
      a.rootKeys().setNodeStatus(author.id(), NodeStatus.ACTIVE);
      long t0 = System.nanoTime();
      List<SignedEntry> chain = BenchChains.singlePuts(storeId, author, n);
      for (int i = 0; i < n; i += 5000) {
        for (IngestOutcome o : onA.ingest(chain.subList(i, Math.min(n, i + 5000)))) {
          if (!(o instanceof IngestOutcome.Applied)) {
            throw new AssertionError(o);
          }
        }
      }
      System.out.printf("setup: %d entries on A in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);
      MeshConfig base =
          MeshConfig.defaults(root.resolve("mesh-a"))
              .withMdns(false)
              .withListen(new HostPort("127.0.0.1", 0))
              .withName("a");
      try (Mesh meshA = Mesh.start(a, a.identity(), base, Discovery.none());
          DiskStores b = DiskStores.open(root.resolve("b"))) {
        MeshConfig cb =
            MeshConfig.defaults(root.resolve("mesh-b"))
                .withMdns(false)
                .withListen(null)
                .withName("b");
        try (Mesh meshB = Mesh.start(b, b.identity(), cb, Discovery.none())) {
          t0 = System.nanoTime();
          long cpu0 = processCpuNanos();
          meshB.join(meshA.invite(Duration.ofMinutes(5)), Duration.ofSeconds(30));
          LogStore onB = null;
          while (true) {
            if (onB == null && b.findStore(storeId.toString()).isPresent()) {
              onB = b.open(storeId);
            }
            ChainTip t = onB == null ? null : onB.syncState().get(author.id());
            if (t != null && t.seq() == n) {
              break;
            }
            Thread.sleep(5);
          }
          double secs = (System.nanoTime() - t0) / 1e9;
          double cpu = (processCpuNanos() - cpu0) / 1e9;
          System.out.printf(
              "catch-up: %d entries in %.2f s = %.0f entries/s (join included); process CPU %.1f s"
                  + " (both nodes) = %.0f entries per CPU-second%n",
              n, secs, n / secs, cpu, n / cpu);
          // B's sync state names a chain tip once it is appended; the state transaction that
          // applies it follows on B's writer, so the digests may match a moment later.
          long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
          while (!onB.stateDigest().equals(onA.stateDigest())) {
            if (System.nanoTime() > deadline) {
              throw new AssertionError("digests differ 30 s after catch-up");
            }
            Thread.sleep(5);
          }
          gossip(onA, onB, gossips);
        }
      }
    }
    Shell.deleteTree(root);
  }

  /** CPU time of this whole process (both nodes), so a loaded machine's figure can be read. */
  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  private static void gossip(LogStore onA, LogStore onB, int count) throws Exception {
    long[] micros = new long[count];
    for (int i = 0; i < count; i++) {
      CountDownLatch got = new CountDownLatch(1);
      String key = "/gossip/" + i;
      try (AutoCloseable l =
          onB.onAppend(
              () -> {
                try {
                  if (onB.get(key).isPresent()) {
                    got.countDown();
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              })) {
        long t0 = System.nanoTime();
        onA.commit(List.of(Op.Put.utf8(key, "x")));
        if (!got.await(30, TimeUnit.SECONDS)) {
          throw new AssertionError("entry " + i + " never arrived");
        }
        micros[i] = (System.nanoTime() - t0) / 1000;
      }
    }
    Arrays.sort(micros);
    System.out.printf(
        "gossip of one entry (commit on A, fsynced, to applied on B), %d entries: p50 %.2f ms, p99 %.2f ms, max %.2f ms%n",
        count,
        micros[count / 2] / 1000.0,
        micros[Math.min(count - 1, (int) Math.ceil(count * 0.99) - 1)] / 1000.0,
        micros[count - 1] / 1000.0);
  }
}
