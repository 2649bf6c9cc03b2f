package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;

/**
 * Kills a real appending JVM with SIGKILL at a random moment, several times over the same log, and
 * checks that every acknowledged entry survives, the tail is clean and the chain continues.
 * Override the seed with {@code -Dkv.crash.seed=N} to replay a run.
 */
class SigChainLogCrashTest {
  private static final int ROUNDS = 3;

  @TempDir Path dir;

  @Tag("slow")
  @Test
  void acknowledgedEntriesSurviveSigkill() throws Exception {
    long seed = Long.getLong("kv.crash.seed", System.nanoTime());
    System.out.println("SigChainLogCrashTest seed: " + seed + " (-Dkv.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    UUID store = new UUID(random.nextLong(), random.nextLong());
    long identitySeed = random.nextLong();
    Identity id = CrashChild.identity(identitySeed);
    Path file = dir.resolve("crash.log");
    long everAcked = 0;
    java.util.Set<Long> probes = new java.util.HashSet<>();
    for (int round = 0; round < ROUNDS; round++) {
      int killAfterAcks = 1 + random.nextInt(400);
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-Xmx128m",
                  "-XX:TieredStopAtLevel=1",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashChild.class.getName(),
                  file.toString(),
                  store.toString(),
                  Long.toString(identitySeed),
                  Long.toString(random.nextLong()))
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      AtomicLong acked = new AtomicLong();
      AtomicLong readyAt = new AtomicLong(-1);
      CountDownLatch enoughAcks = new CountDownLatch(killAfterAcks);
      Thread pump =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
                  for (String line; (line = r.readLine()) != null; ) {
                    if (line.startsWith("acked ")) {
                      acked.set(Long.parseLong(line.substring(6)));
                      enoughAcks.countDown();
                    } else if (line.startsWith("ready ")) {
                      readyAt.set(Long.parseLong(line.substring(6)));
                    }
                  }
                } catch (java.io.IOException e) {
                  // The child died mid-line: what was read before counts.
                }
              });
      pump.start();
      try {
        // Killed at a random point of its progress (the seed replays it), not after a time.
        assertTrue(
            enoughAcks.await(120, TimeUnit.SECONDS),
            "child acknowledged fewer than " + killAfterAcks + " appends");
      } finally {
        child.destroyForcibly();
        assertTrue(child.waitFor(30, TimeUnit.SECONDS));
        pump.join(10_000);
      }
      assertTrue(acked.get() > everAcked, "round " + round + " appended nothing");
      assertTrue(readyAt.get() >= everAcked, "the child opened a log missing acknowledged entries");
      everAcked = acked.get();
      System.out.println(
          "round "
              + round
              + ": killed after "
              + killAfterAcks
              + " acknowledged appends, acked up to "
              + everAcked);
      checkLog(file, store, id, everAcked, probes);
    }
  }

  /**
   * Reopens the log: every acknowledged entry is there and verifies, and the chain continues (a
   * probe entry is appended; the next child continues after it).
   */
  private static void checkLog(
      Path file, UUID store, Identity id, long acked, java.util.Set<Long> probes) throws Exception {
    try (SigChainLog log = SigChainLog.open(file, store, id.id())) {
      long size = log.size();
      assertTrue(size >= acked, "acknowledged " + acked + " but only " + size + " on disk");
      long[] seen = {0};
      SignedEntry[] last = {null};
      log.entriesAfter(0)
          .forEach(
              s -> {
                long seq = ++seen[0];
                assertEquals(seq, s.entry().seq());
                assertTrue(s.verifySignature());
                last[0] = s;
                Op.Put put = (Op.Put) s.entry().ops().get(0);
                if (probes.contains(seq)) {
                  return;
                }
                assertEquals(CrashChild.key(seq), put.key());
                assertEquals(
                    CrashChild.value(seq), new String(put.value(), StandardCharsets.UTF_8));
              });
      assertEquals(size, seen[0]);
      long frames = 0;
      for (long q = 1; q <= size; q++) {
        frames += SigChainLog.FRAME_OVERHEAD + log.get(q).orElseThrow().wireLength();
      }
      assertEquals(
          SigChainLog.HEADER_BYTES + frames,
          java.nio.file.Files.size(file),
          "after open the file holds exactly the complete frames (clean tail)");
      long seq = size + 1;
      SignedEntry next = Entries.next(store, id, last[0], "/after-crash/" + seq, "x");
      log.append(List.of(next));
      assertEquals(next, log.get(seq).orElseThrow());
      probes.add(seq);
    }
  }
}
