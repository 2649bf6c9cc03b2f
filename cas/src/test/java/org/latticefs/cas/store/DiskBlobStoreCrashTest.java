package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;

/**
 * A child JVM receiving blobs is killed with SIGKILL at a random moment after its first stored
 * blob, several times over the same store. After each kill the store must open with no temp file
 * left, every blob whose receive returned present and verifying, and no corrupt or partial blob at
 * all. Replay a failure with {@code -Dlattice.crash.seed=N}.
 */
class DiskBlobStoreCrashTest {
  @TempDir Path root;

  @Tag("slow")
  @Test
  void killedWriterLeavesOnlyWholeBlobs() throws Exception {
    long seed = Long.getLong("lattice.crash.seed", System.nanoTime());
    System.out.println("DiskBlobStoreCrashTest seed=" + seed);
    Random random = new Random(seed);
    Set<BlobRef> acknowledged = new HashSet<>();
    for (int round = 0; round < 3; round++) {
      long childSeed = random.nextLong();
      int killAfterAcks = 20 + random.nextInt(400);
      Set<BlobRef> acked = runAndKill(childSeed, killAfterAcks, round);
      acknowledged.addAll(acked);
      int leftover = countTemps();

      try (DiskBlobStore store = DiskBlobStore.open(root)) {
        String context =
            "seed="
                + seed
                + " round="
                + round
                + " (child seed "
                + childSeed
                + ", kill after "
                + killAfterAcks
                + " acks, "
                + acked.size()
                + " acked, "
                + leftover
                + " temps left)";
        System.out.println("crash round: " + context);
        assertEquals(0, countTemps(), "temps cleaned on open, " + context);
        for (BlobRef ref : acknowledged) {
          // fetch verifies the content against the ref.
          store.fetch(ref);
        }
        List<BlobInfo> all = new ArrayList<>();
        Optional<BlobRef> after = Optional.empty();
        for (List<BlobInfo> page; !(page = store.enumerate(after, 500)).isEmpty(); ) {
          all.addAll(page);
          after = Optional.of(page.get(page.size() - 1).ref());
        }
        long bytes = 0;
        for (BlobInfo info : all) {
          assertEquals(info.size(), store.fetch(info.ref()).length, context);
          bytes += info.size();
        }
        assertTrue(all.size() >= acknowledged.size(), context);
        assertEquals(Set.of(), store.corruptRefs(), context);
        assertEquals(bytes, store.bytesStored(), context);
        assertEquals(0, countFiles(root.resolve("cas/quarantine")), context);
      }
    }
    assertTrue(acknowledged.size() > 0, "the child never stored anything; seed=" + seed);
  }

  private Set<BlobRef> runAndKill(long childSeed, int killAfterAcks, int round) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java.toString(),
            "-Xmx256m",
            "-cp",
            System.getProperty("java.class.path"),
            CrashChild.class.getName(),
            root.toString(),
            Long.toString(childSeed));
    // Beside the store's cas/ directory, inside the test's temp dir (deleted with it).
    Path err = root.resolve("child-" + round + ".err");
    pb.redirectError(err.toFile());
    Process child = pb.start();
    Set<BlobRef> acked = ConcurrentHashMap.newKeySet();
    CountDownLatch ready = new CountDownLatch(1);
    CountDownLatch enoughAcks = new CountDownLatch(killAfterAcks);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                  if (line.equals("READY")) {
                    ready.countDown();
                  } else if (line.startsWith("OK ") && line.length() == 67) {
                    acked.add(BlobRef.parse(line.substring(3)));
                    enoughAcks.countDown();
                  }
                }
              } catch (IOException e) {
                // The child died mid-line: what was read is what counts.
              }
            });
    reader.start();
    try {
      // Killed once it has acknowledged a random number of receives: somewhere in the middle of
      // whatever it does next.
      if (!ready.await(60, TimeUnit.SECONDS) || !enoughAcks.await(120, TimeUnit.SECONDS)) {
        fail("crash child did not store enough; its stderr: " + Files.readString(err));
      }
      if (!child.isAlive()) {
        fail(
            "crash child died on its own, exit "
                + child.exitValue()
                + "; its stderr: "
                + Files.readString(err));
      }
    } finally {
      child.destroyForcibly();
      child.waitFor(30, TimeUnit.SECONDS);
      reader.join(30_000);
    }
    return acked;
  }

  /** Temp files anywhere in the store: shard directories and tmp/. */
  private int countTemps() throws IOException {
    try (Stream<Path> s = Files.walk(root.resolve("cas"))) {
      return (int) s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
  }

  private static int countFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return (int) s.count();
    }
  }
}
