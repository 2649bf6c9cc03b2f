package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Durability;

/** Real child JVMs: killed with SIGKILL while committing; racing for the data directory lock. */
class ProcessTest {
  @TempDir Path data;

  static Process start(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add("--add-opens");
    cmd.add("java.base/sun.nio.ch=ALL-UNNAMED");
    cmd.add("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn");
    cmd.add(StoreChild.class.getName());
    Collections.addAll(cmd, args);
    return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
  }

  /**
   * Three rounds: a child commits from four threads; it is SIGKILLed after a random number of
   * acknowledged commits (while it keeps committing); on reopen every acknowledged commit is there
   * and the state equals a rebuild from the logs. Replay a run with {@code -Dkv.crash.seed=N}.
   */
  @Tag("slow")
  @Test
  void everyAcknowledgedCommitSurvivesSigkill() throws Exception {
    killWhileCommitting(Durability.DISK, 0, 3);
  }

  /**
   * As above with buffered commits ({@link Durability#PROCESS_CRASH}: written to the OS, not yet
   * fsynced when acknowledged): a SIGKILL of the process loses none of them.
   */
  @Tag("slow")
  @Test
  void everyAcknowledgedBufferedCommitSurvivesSigkill() throws Exception {
    killWhileCommitting(Durability.PROCESS_CRASH, 0, 2);
  }

  /** Then a DISK child appends after the buffered ones: the chain continues across both kinds. */
  @Tag("slow")
  @Test
  void bufferedAndDiskCommitsInterleaveAcrossKills() throws Exception {
    killWhileCommitting(Durability.PROCESS_CRASH, 0, 1);
    killWhileCommitting(Durability.DISK, 1, 2);
    killWhileCommitting(Durability.PROCESS_CRASH, 2, 3);
  }

  private void killWhileCommitting(Durability durability, int firstRound, int endRound)
      throws Exception {
    long seed = Long.getLong("kv.crash.seed", System.nanoTime());
    System.out.println("ProcessTest crash seed: " + seed + " (-Dkv.crash.seed=" + seed + ")");
    Random random = new Random(seed);
    for (int round = firstRound; round < endRound; round++) {
      long t0 = System.nanoTime();
      Process child =
          start("commit", data.toString(), Integer.toString(round), "4", durability.name());
      List<String> acks = Collections.synchronizedList(new ArrayList<>());
      CountDownLatch ready = new CountDownLatch(1);
      int killAfterAcks = 1 + random.nextInt(300);
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
                    } else if (line.startsWith("ACK ")) {
                      acks.add(line);
                      enoughAcks.countDown();
                    }
                  }
                } catch (java.io.IOException ignored) {
                  // The child died: that is the point.
                }
              });
      reader.start();
      assertTrue(ready.await(60, TimeUnit.SECONDS), "child did not start");
      long t1 = System.nanoTime();
      // Killed at a random point of its progress (the seed replays it), not after a time.
      assertTrue(enoughAcks.await(120, TimeUnit.SECONDS), "child stopped acknowledging");
      child.destroyForcibly();
      assertTrue(child.waitFor(30, TimeUnit.SECONDS));
      reader.join(10_000);
      List<String> acked;
      synchronized (acks) {
        acked = new ArrayList<>(acks);
      }
      long t2 = System.nanoTime();
      try (DiskStores stores = DiskStores.open(data)) {
        LogStore store = stores.open(stores.findStore("crash").orElseThrow().id());
        for (String ack : acked) {
          String[] f = ack.split(" ");
          String key = "/c/" + f[1] + "/" + f[2] + "/" + f[3];
          byte[] v = store.get(key).orElseThrow(() -> new AssertionError("lost " + key));
          assertEquals(f[3], new String(v, StandardCharsets.UTF_8));
        }
        BlobRef digest = store.stateDigest();
        assertEquals(digest, store.rebuild(), "state equals a rebuild from the logs");
      }
      System.out.printf(
          "round %d (%s): %d acknowledged commits, all present (child ready in %d ms, verify %d"
              + " ms)%n",
          round,
          durability,
          acked.size(),
          (t1 - t0) / 1_000_000,
          (System.nanoTime() - t2) / 1_000_000);
    }
  }

  @Test
  void aSecondProcessIsToldTheDataDirectoryIsInUse() throws Exception {
    try (DiskStores stores = DiskStores.open(data)) {
      Process child = start("open", data.toString());
      String out = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(child.waitFor(60, TimeUnit.SECONDS));
      assertEquals(3, child.exitValue(), out);
      assertTrue(out.contains("is in use by another process"), out);
      assertTrue(stores.root().get("/nodes/" + stores.nodeId() + "/status").isPresent());
    }
    Process again = start("open", data.toString());
    String out = new String(again.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(again.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, again.exitValue(), out);
    assertTrue(out.startsWith("OPENED"), out);
  }
}
