package org.latticefs.node.gc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.gc.PassReport;

/**
 * Collection passes in a loop while other threads write files, copy them (the copies dedup against
 * the chunks already stored), pin versions by hash (and unpin some) and delete copies: afterwards
 * every file and every pinned version reads back byte for byte and one more pass leaves exactly the
 * blobs the files and the pins need.
 */
class GcConcurrencyTest {
  static final int FILES = 4;
  static final int ROUNDS = 30;

  @TempDir Path dir;

  private final Map<String, byte[]> model = new ConcurrentHashMap<>();
  private final Map<BlobRef, byte[]> pinned = new ConcurrentHashMap<>();
  private final Map<String, ReentrantLock> locks = new ConcurrentHashMap<>();

  private ReentrantLock lock(String name) {
    return locks.computeIfAbsent(name, n -> new ReentrantLock());
  }

  @Test
  void passesRacingWritesCopiesPinsAndDeletesLoseNothingAndLeaveNoGarbage() throws Exception {
    try (GcHarness h = new GcHarness(dir, 0, 1L << 20, 11)) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      AtomicBoolean writing = new AtomicBoolean(true);
      AtomicLong passes = new AtomicLong();
      AtomicLong removed = new AtomicLong();
      try {
        Future<?> writer =
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(1);
                  for (int i = 0; i < ROUNDS; i++) {
                    String name = "/s/w" + rnd.nextInt(FILES);
                    byte[] data = GcHarness.bytes(rnd.nextLong(), 1 + rnd.nextInt(3 << 20));
                    ReentrantLock l = lock(name);
                    l.lock();
                    try {
                      h.put(name, data);
                      model.put(name, data);
                    } finally {
                      l.unlock();
                    }
                  }
                  return null;
                });
        Future<?> copier =
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(2);
                  for (int i = 0; i < ROUNDS; i++) {
                    int k = rnd.nextInt(FILES);
                    Optional<byte[]> src = h.read("/s/w" + k);
                    if (src.isEmpty()) {
                      continue;
                    }
                    String name = "/s/c" + k;
                    ReentrantLock l = lock(name);
                    l.lock();
                    try {
                      h.put(name, src.get());
                      model.put(name, src.get());
                    } finally {
                      l.unlock();
                    }
                  }
                  return null;
                });
        Future<?> deleter =
            pool.submit(
                () -> {
                  SplittableRandom rnd = new SplittableRandom(3);
                  for (int i = 0; i < ROUNDS; i++) {
                    String name = "/s/c" + rnd.nextInt(FILES);
                    ReentrantLock l = lock(name);
                    l.lock();
                    try {
                      if (model.remove(name) != null) {
                        h.fs.unlink(name);
                      }
                    } finally {
                      l.unlock();
                    }
                    Thread.onSpinWait();
                  }
                  return null;
                });
        AtomicBoolean pinning = new AtomicBoolean(true);
        Future<?> pinner =
            pool.submit(
                () -> {
                  // Pins versions of the written files by hash (which the writer then replaces)
                  // and unpins some of them again, for as long as the writer writes.
                  SplittableRandom rnd = new SplittableRandom(4);
                  while (pinning.get()) {
                    String name = "/s/w" + rnd.nextInt(FILES);
                    ReentrantLock l = lock(name);
                    l.lock();
                    try {
                      byte[] want = model.get(name);
                      if (want != null) {
                        pinned.put(h.pin(name), want);
                      }
                    } finally {
                      l.unlock();
                    }
                    if (pinned.size() > 1 && rnd.nextInt(3) == 0) {
                      BlobRef m = pinned.keySet().iterator().next();
                      h.unpin(m);
                      pinned.remove(m);
                    }
                    Thread.sleep(5);
                  }
                  return null;
                });
        Future<?> collector =
            pool.submit(
                () -> {
                  while (writing.get()) {
                    PassReport r = h.gc();
                    assertTrue(r.swept(), r.problems().toString());
                    passes.incrementAndGet();
                    removed.addAndGet(r.removedBlobs());
                  }
                  return null;
                });
        writer.get(5, TimeUnit.MINUTES);
        copier.get(5, TimeUnit.MINUTES);
        deleter.get(5, TimeUnit.MINUTES);
        pinning.set(false);
        pinner.get(5, TimeUnit.MINUTES);
        writing.set(false);
        collector.get(5, TimeUnit.MINUTES);
      } finally {
        pool.shutdownNow();
      }
      assertTrue(passes.get() > 1, "passes ran during the writes: " + passes.get());
      assertTrue(removed.get() > 0, "and removed garbage meanwhile");

      Set<BlobRef> needed = new HashSet<>();
      for (String name : List.of("w", "c")) {
        for (int k = 0; k < FILES; k++) {
          String p = "/s/" + name + k;
          byte[] want = model.get(p);
          Optional<byte[]> got = h.read(p);
          assertEquals(want != null, got.isPresent(), p);
          if (want != null) {
            assertArrayEquals(want, got.get(), p + " reads back byte for byte");
            needed.addAll(h.tree(p));
          }
        }
      }
      assertTrue(!pinned.isEmpty(), "some versions stay pinned");
      for (Map.Entry<BlobRef, byte[]> p : pinned.entrySet()) {
        assertArrayEquals(p.getValue(), h.readManifest(p.getKey()), "pinned " + p.getKey());
        needed.add(p.getKey());
        org.latticefs.cas.chunk.ManifestReader.open(h.blobs, p.getKey()).forEachBlob(needed::add);
      }
      PassReport last = h.gc();
      assertTrue(last.swept());
      assertEquals(needed, h.present(), "all garbage is gone, nothing live is");
      assertEquals(0, h.collector.run(true, org.latticefs.gc.PassListener.NONE).garbageBlobs());
    }
  }
}
