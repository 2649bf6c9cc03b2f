package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Durability;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;

/**
 * A local commit is written by the committing thread itself, as the store's one writer ({@link
 * WriterThread#runHere}): no hand-off to the writer thread and back per commit, concurrent
 * committers still serialized and grouped, and nothing written once the store is closed.
 */
class CallerCommitTest {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-000000000016");

  @TempDir Path dir;
  final Identity me = Identity.generate(new Random(16));

  LogStore open() throws Exception {
    return LogStore.open(dir.resolve("store"), STORE, me, StoreSettings.defaults());
  }

  @Test
  void aLoneCommitIsAppendedOnTheCommittersOwnThread() throws Exception {
    try (LogStore store = open()) {
      AtomicReference<Thread> appender = new AtomicReference<>();
      try (AutoCloseable l = store.onAppend(() -> appender.set(Thread.currentThread()))) {
        store.commit(List.of(Op.Put.utf8("/a", "1")), Durability.PROCESS_CRASH);
      }
      assertSame(Thread.currentThread(), appender.get(), "appended on the committer's thread");
    }
  }

  @Test
  void concurrentCommittersAreAllWrittenOnceInOneChain() throws Exception {
    int threads = 8;
    int each = 200;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try (LogStore store = open()) {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int tt = t;
        done.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < each; i++) {
                    store.commit(
                        List.of(Op.Put.utf8("/t/" + tt + "/" + i, "v")), Durability.PROCESS_CRASH);
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
      assertEquals(threads * each, store.stats().committed());
      for (int t = 0; t < threads; t++) {
        for (int i = 0; i < each; i++) {
          assertTrue(store.get("/t/" + t + "/" + i).isPresent(), "/t/" + t + "/" + i);
        }
      }
      assertEquals(
          threads * each, store.syncState().get(me.id()).seq(), "one chain, no gap or repeat");
    } finally {
      pool.shutdownNow();
    }
    try (LogStore again = open()) {
      assertEquals(threads * each, again.syncState().get(me.id()).seq(), "all of them durable");
    }
  }

  @Test
  void aCommitAfterCloseIsRefusedAndWritesNothing() throws Exception {
    LogStore store = open();
    store.commit(List.of(Op.Put.utf8("/a", "1")), Durability.DISK);
    store.close();
    assertThrows(
        KvException.class,
        () -> store.commit(List.of(Op.Put.utf8("/b", "2")), Durability.PROCESS_CRASH));
    try (LogStore again = open()) {
      assertEquals(1, again.syncState().get(me.id()).seq());
      assertTrue(again.get("/b").isEmpty());
    }
  }
}
