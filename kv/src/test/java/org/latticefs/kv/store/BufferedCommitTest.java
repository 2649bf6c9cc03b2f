package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;

/**
 * {@link Durability#PROCESS_CRASH} commits: visible at once, fsynced by the next DISK commit,
 * {@link LogStore#sync()}, close, or the writer once the sync delay ran out. (Surviving SIGKILL of
 * the process: {@link ProcessTest}.)
 */
class BufferedCommitTest {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-000000000002");

  @TempDir Path dir;
  final Identity me = Identity.generate(new Random(1));

  LogStore open(Duration syncDelay) throws Exception {
    return LogStore.open(
        dir.resolve("store"), STORE, me, StoreSettings.defaults().withSyncDelay(syncDelay));
  }

  static String text(LogStore s, String key) throws Exception {
    return new String(s.get(key).orElseThrow(), StandardCharsets.UTF_8);
  }

  @Test
  void bufferedCommitsAreVisibleAtOnceAndTheNextDiskCommitSyncsThemAll() throws Exception {
    try (LogStore store = open(Duration.ofHours(1))) {
      for (int i = 0; i < 5; i++) {
        store.commit(List.of(Op.Put.utf8("/b/" + i, "v" + i)), Durability.PROCESS_CRASH);
        assertEquals("v" + i, text(store, "/b/" + i));
      }
      assertTrue(store.hasUnsyncedCommits(), "buffered commits are not fsynced yet");
      store.commit(List.of(Op.Put.utf8("/d", "disk")), Durability.DISK);
      assertFalse(store.hasUnsyncedCommits(), "a DISK commit syncs every earlier entry");
      assertEquals(0, store.stats().deferredSyncs());
      assertEquals(6, store.stats().committed());
    }
  }

  @Test
  void syncCoversBufferedCommitsAndCloseNeitherWaitsForTheDelayNorLosesThem() throws Exception {
    try (LogStore store = open(Duration.ofHours(1))) {
      store.commit(List.of(Op.Put.utf8("/a", "1")), Durability.PROCESS_CRASH);
      assertTrue(store.hasUnsyncedCommits());
      store.sync();
      assertFalse(store.hasUnsyncedCommits());
      store.sync(); // nothing left: a no-op
      store.commit(List.of(Op.Put.utf8("/a", "2")), Durability.PROCESS_CRASH);
      assertTrue(store.hasUnsyncedCommits());
    } // close syncs; a pending deferred sync (an hour away) does not hold it up
    try (LogStore store = open(Duration.ofHours(1))) {
      assertEquals("2", text(store, "/a"));
      assertEquals(2, store.syncState().get(me.id()).seq());
      assertFalse(store.hasUnsyncedCommits());
    }
  }

  @Test
  void theWriterSyncsBufferedCommitsOnceTheDelayRunsOut() throws Exception {
    try (LogStore store = open(Duration.ofMillis(50))) {
      for (int i = 0; i < 3; i++) {
        store.commit(List.of(Op.Put.utf8("/k", "v" + i)), Durability.PROCESS_CRASH);
      }
      Poll.until(
          Duration.ofSeconds(30),
          () -> !store.hasUnsyncedCommits(),
          "synced by the writer after the delay");
      assertTrue(store.stats().deferredSyncs() >= 1, store.stats().toString());
      assertEquals("v2", text(store, "/k"));
    }
  }

  @Test
  void durabilityDefaultsToDisk() throws Exception {
    try (LogStore store = open(Duration.ofHours(1))) {
      store.commit(List.of(Op.Put.utf8("/a", "1")));
      assertFalse(store.hasUnsyncedCommits());
    }
  }

  @Test
  void closingWhileBufferedCommitsRunKeepsEveryAcknowledgedOne() throws Exception {
    LogStore store = open(Duration.ofHours(1));
    List<String> acked = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
    java.util.concurrent.CountDownLatch started = new java.util.concurrent.CountDownLatch(4);
    java.util.concurrent.CountDownLatch hundred = new java.util.concurrent.CountDownLatch(100);
    List<Thread> threads = new java.util.ArrayList<>();
    for (int t = 0; t < 4; t++) {
      int tt = t;
      Thread th =
          new Thread(
              () -> {
                started.countDown();
                for (int i = 0; ; i++) {
                  String key = "/t/" + tt + "/" + i;
                  try {
                    store.commit(List.of(Op.Put.utf8(key, "x")), Durability.PROCESS_CRASH);
                  } catch (org.latticefs.kv.KvException closed) {
                    return;
                  }
                  acked.add(key);
                  hundred.countDown();
                }
              });
      th.start();
      threads.add(th);
    }
    started.await();
    assertTrue(hundred.await(60, java.util.concurrent.TimeUnit.SECONDS), "100 commits acked");
    store.close();
    for (Thread th : threads) {
      th.join(30_000);
      assertFalse(th.isAlive(), "a commit racing close() returned or failed");
    }
    try (LogStore again = open(Duration.ofHours(1))) {
      for (String key : List.copyOf(acked)) {
        assertTrue(again.get(key).isPresent(), "lost " + key);
      }
    }
  }
}
