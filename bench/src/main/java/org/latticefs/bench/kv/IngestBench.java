package org.latticefs.bench.kv;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.stream.IntStream;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Identity;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.StoreSettings;
import org.latticefs.kv.sync.IngestOutcome;

/**
 * Ingest (verify + append + apply) of N single-op entries by another author, in batches as a sync
 * would deliver them; beside Ed25519 verification alone (1 thread and all cores), the wall. Then
 * the state rebuild time: {@code rebuild()} (state only, logs open) and a full reopen after
 * deleting the state (log verification included). Run: {@code bench/run kv.IngestBench DIR
 * [N=100000] [BATCH=1000]}.
 */
public final class IngestBench {
  private IngestBench() {}

  public static void main(String[] args) throws Exception {
    Path root = Files.createTempDirectory(Path.of(args[0]), "ingest-bench");
    int n = args.length > 1 ? Integer.parseInt(args[1]) : 100_000;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1000;
    System.out.printf(
        "nproc %d, %d entries, batches of %d, %s%n",
        Runtime.getRuntime().availableProcessors(), n, batch, root);
    UUID storeId = UUID.randomUUID();
    Identity peer = Identity.generate(new Random(7));
    long t0 = System.nanoTime();
    List<SignedEntry> entries = BenchChains.singlePuts(storeId, peer, n);
    System.out.printf("built and signed %d entries in %.1f s%n", n, (System.nanoTime() - t0) / 1e9);

    for (int rep = 0; rep < 2; rep++) {
      t0 = System.nanoTime();
      for (SignedEntry s : entries) {
        if (!s.verifySignature()) {
          throw new AssertionError();
        }
      }
      double one = n / ((System.nanoTime() - t0) / 1e9);
      t0 = System.nanoTime();
      if (!IntStream.range(0, n).parallel().allMatch(i -> entries.get(i).verifySignature())) {
        throw new AssertionError();
      }
      double all = n / ((System.nanoTime() - t0) / 1e9);
      System.out.printf("verify alone: %.0f /s on 1 thread, %.0f /s on all cores%n", one, all);

      Path dir = root.resolve("store-" + rep);
      Identity me = Identity.generate(new Random(1));
      try (LogStore store = LogStore.open(dir, storeId, me, StoreSettings.defaults())) {
        t0 = System.nanoTime();
        for (int i = 0; i < n; i += batch) {
          for (IngestOutcome o : store.ingest(entries.subList(i, Math.min(n, i + batch)))) {
            if (!(o instanceof IngestOutcome.Applied)) {
              throw new AssertionError(o);
            }
          }
        }
        double secs = (System.nanoTime() - t0) / 1e9;
        System.out.printf("ingest: %.0f entries/s (%.1f s)%n", n / secs, secs);
        t0 = System.nanoTime();
        BlobRef digest = store.rebuild();
        System.out.printf("rebuild (state only): %.2f s%n", (System.nanoTime() - t0) / 1e9);
        if (!digest.equals(store.stateDigest())) {
          throw new AssertionError("rebuild changed the digest");
        }
      }
      deleteTree(dir.resolve("state"));
      t0 = System.nanoTime();
      try (LogStore store = LogStore.open(dir, storeId, me, StoreSettings.defaults())) {
        System.out.printf(
            "reopen with the state deleted (verify logs + rebuild): %.2f s%n",
            (System.nanoTime() - t0) / 1e9);
        if (store.get("/bench/" + n).isEmpty()) {
          throw new AssertionError("rebuilt state misses the last entry");
        }
      }
      deleteTree(dir);
    }
    deleteTree(root);
  }

  static void deleteTree(Path p) throws Exception {
    try (var walk = Files.walk(p)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
