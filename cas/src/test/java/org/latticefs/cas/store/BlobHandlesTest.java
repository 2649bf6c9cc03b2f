package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link BlobHandles}: bounded, and reads stay right while other threads evict and invalidate. */
class BlobHandlesTest {
  @TempDir Path dir;
  private final Random random = new Random(0xb10b);

  private List<Path> files(int n, int size) throws IOException {
    List<Path> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] b = new byte[size];
      random.nextBytes(b);
      out.add(Files.write(dir.resolve("f" + i), b));
    }
    return out;
  }

  private static byte[] read(BlobHandles h, Path p, long pos, int len) throws IOException {
    ByteBuffer dst = ByteBuffer.allocate(len);
    h.readFully(p, dst, pos);
    return Arrays.copyOf(dst.array(), dst.position());
  }

  @Test
  void readsLikeTheFileAndStopsAtItsEnd() throws IOException {
    Path p = files(1, 10_000).get(0);
    byte[] all = Files.readAllBytes(p);
    BlobHandles h = new BlobHandles(4);
    assertArrayEquals(Arrays.copyOfRange(all, 123, 4219), read(h, p, 123, 4096));
    assertArrayEquals(Arrays.copyOfRange(all, 9_000, 10_000), read(h, p, 9_000, 4096));
    assertEquals(1, h.size());
    h.close();
  }

  @Test
  void keepsAtMostItsCapacityOpen() throws IOException {
    List<Path> files = files(10, 100);
    BlobHandles h = new BlobHandles(3);
    for (Path p : files) {
      read(h, p, 0, 10);
      assertTrue(h.size() <= 3, "open: " + h.size());
    }
    assertEquals(3, h.size());
    h.invalidate(files.get(9));
    assertEquals(2, h.size());
    h.close();
    assertEquals(0, h.size());
    // Still works once closed, without caching.
    assertArrayEquals(
        Arrays.copyOf(Files.readAllBytes(files.get(0)), 10), read(h, files.get(0), 0, 10));
    assertEquals(0, h.size());
  }

  @Test
  void missingFileIsNoSuchFile() {
    BlobHandles h = new BlobHandles(3);
    assertThrows(NoSuchFileException.class, () -> read(h, dir.resolve("absent"), 0, 1));
    assertEquals(0, h.size());
  }

  @Test
  void anInterruptedReaderDoesNotBreakOthers() throws IOException {
    Path p = files(1, 10_000).get(0);
    byte[] all = Files.readAllBytes(p);
    BlobHandles h = new BlobHandles(3);
    read(h, p, 0, 1);
    Thread.currentThread().interrupt();
    try {
      // The interrupt closes the shared channel, as it does any FileChannel.
      assertThrows(ClosedByInterruptException.class, () -> read(h, p, 0, 100));
    } finally {
      Thread.interrupted();
    }
    assertArrayEquals(Arrays.copyOfRange(all, 500, 600), read(h, p, 500, 100));
    h.close();
  }

  @Test
  void concurrentReadsWithEvictionsAndInvalidations() throws Exception {
    List<Path> files = files(12, 50_000);
    List<byte[]> contents = new ArrayList<>();
    for (Path p : files) {
      contents.add(Files.readAllBytes(p));
    }
    BlobHandles h = new BlobHandles(4);
    int threads = 6;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        done.add(
            pool.submit(
                () -> {
                  Random r = new Random(seed);
                  start.await();
                  for (int i = 0; i < 2_000; i++) {
                    int f = r.nextInt(files.size());
                    if (seed == 0 && i % 3 == 0) {
                      h.invalidate(files.get(f));
                      continue;
                    }
                    int pos = r.nextInt(50_000);
                    int len = 1 + r.nextInt(8_000);
                    byte[] want = contents.get(f);
                    assertArrayEquals(
                        Arrays.copyOfRange(want, pos, Math.min(want.length, pos + len)),
                        read(h, files.get(f), pos, len));
                  }
                  return null;
                }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(2, TimeUnit.MINUTES);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(h.size() <= 4);
    h.close();
  }
}
