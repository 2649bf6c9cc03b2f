package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store.Change;

class WatchTest {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-0000000000a1");
  @TempDir Path dir;
  LogStore store;

  LogStore open(int buffer) throws Exception {
    store =
        LogStore.open(
            dir,
            STORE,
            Identity.generate(new Random(1)),
            StoreSettings.defaults().withWatchBuffer(buffer));
    return store;
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  static String text(Change c) {
    return c.heads().isEmpty() || c.heads().get(0).isDeletion()
        ? null
        : new String(c.heads().get(0).value(), StandardCharsets.UTF_8);
  }

  /** Collects changes; waits for a condition on them. */
  static final class Collector {
    final List<Change> seen = Collections.synchronizedList(new ArrayList<>());

    void accept(Change c) {
      synchronized (seen) {
        seen.add(c);
        seen.notifyAll();
      }
    }

    /** Waits (woken by each delivery, 30 s at most) until {@code done} holds for what was seen. */
    List<Change> await(java.util.function.Predicate<List<Change>> done) throws Exception {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      synchronized (seen) {
        while (!done.test(seen)) {
          long left = deadline - System.nanoTime();
          if (left <= 0) {
            throw new AssertionError(
                "watch did not deliver in time; got " + seen.size() + " changes");
          }
          TimeUnit.NANOSECONDS.timedWait(seen, left);
        }
        return new ArrayList<>(seen);
      }
    }
  }

  @Test
  void snapshotFirstThenEveryChangeInOrder() throws Exception {
    open(10_000);
    store.commit(List.of(Op.Put.utf8("/w/a", "1"), Op.Put.utf8("/w/b", "2")));
    store.commit(List.of(Op.Put.utf8("/other", "x"), Op.Put.utf8("/w/gone", "x")));
    store.commit(List.of(new Op.Delete("/w/gone")));
    Collector c = new Collector();
    try (AutoCloseable w = store.watch("/w/", c::accept)) {
      int n = 300;
      for (int i = 0; i < n; i++) {
        store.commit(
            List.of(Op.Put.utf8("/w/k" + (i % 7), Integer.toString(i)), Op.Put.utf8("/x", "y")));
      }
      store.commit(List.of(new Op.Delete("/w/a")));
      List<Change> got = c.await(l -> l.size() == 2 + n + 1);
      assertTrue(got.get(0).snapshot() && got.get(1).snapshot());
      assertEquals(List.of("/w/a", "/w/b"), List.of(got.get(0).key(), got.get(1).key()));
      for (int i = 0; i < n; i++) {
        Change ch = got.get(2 + i);
        assertFalse(ch.snapshot() || ch.resnapshot());
        assertEquals("/w/k" + (i % 7), ch.key());
        assertEquals(Integer.toString(i), text(ch));
      }
      Change last = got.get(got.size() - 1);
      assertEquals("/w/a", last.key());
      assertEquals(null, text(last));
      assertTrue(last.heads().get(0).isDeletion());
    }
  }

  @Test
  void aSlowConsumerIsResnapshottedNeverSilentlySkipped() throws Exception {
    open(16);
    store.commit(List.of(Op.Put.utf8("/w/start", "0")));
    CountDownLatch release = new CountDownLatch(1);
    Map<String, String> mirror = new TreeMap<>();
    List<Change> all = Collections.synchronizedList(new ArrayList<>());
    boolean[] markerThenSnapshot = {false};
    try (AutoCloseable w =
        store.watch(
            "/w/",
            ch -> {
              try {
                release.await();
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              synchronized (mirror) {
                if (!all.isEmpty() && all.get(all.size() - 1).resnapshot() && ch.snapshot()) {
                  markerThenSnapshot[0] = true;
                }
                all.add(ch);
                if (ch.resnapshot()) {
                  mirror.clear();
                } else if (text(ch) == null) {
                  mirror.remove(ch.key());
                } else {
                  mirror.put(ch.key(), text(ch));
                }
                mirror.notifyAll();
              }
            })) {
      for (int i = 0; i < 200; i++) {
        store.commit(List.of(Op.Put.utf8("/w/k" + (i % 50), Integer.toString(i))));
        if (i % 3 == 0) {
          store.commit(List.of(new Op.Delete("/w/k" + ((i + 7) % 50))));
        }
      }
      release.countDown();
      Map<String, String> expected = new TreeMap<>();
      for (KeyValue kv : store.list("/w/", null, 1000)) {
        expected.put(kv.key(), new String(kv.value(), StandardCharsets.UTF_8));
      }
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      synchronized (mirror) {
        while (!mirror.equals(expected)) {
          long left = deadline - System.nanoTime();
          assertTrue(left > 0, "the mirror never caught up");
          TimeUnit.NANOSECONDS.timedWait(mirror, left);
        }
      }
      assertTrue(all.stream().anyMatch(Change::resnapshot), "overflow produced a marker");
      assertTrue(markerThenSnapshot[0], "a marker is followed by a fresh snapshot");
    }
  }

  @Test
  void closingAWatchStopsDelivery() throws Exception {
    open(100);
    Collector c = new Collector();
    AutoCloseable w = store.watch("/", c::accept);
    store.commit(List.of(Op.Put.utf8("/a", "1")));
    c.await(l -> l.size() == 1);
    w.close();
    store.commit(List.of(Op.Put.utf8("/a", "2")));
    // Another watcher registered after that commit is delivered its snapshot, so the hub has
    // published the change by then: the closed watcher never got it.
    Collector later = new Collector();
    try (AutoCloseable w2 = store.watch("/", later::accept)) {
      later.await(l -> l.size() == 1);
    }
    assertEquals(1, c.seen.size());
  }
}
