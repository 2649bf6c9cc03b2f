package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.testing.Poll;

class CachingBlobFetcherTest {
  private final MemoryBlobStore source = new MemoryBlobStore();
  private final Random random = new Random(3);

  private BlobRef put(int size) throws IOException {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return source.receive(b);
  }

  @Test
  void secondFetchIsServedFromMemory() throws IOException {
    BlobRef ref = put(1000);
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 1 << 20);
    byte[] first = cache.fetch(ref);
    byte[] second = cache.fetch(ref);
    assertArrayEquals(first, second);
    assertEquals(1, source.fetchCount());
    assertEquals(1, cache.hits());
    assertEquals(1, cache.misses());
    // Callers get their own copy.
    first[0] ^= 1;
    assertArrayEquals(second, cache.fetch(ref));
  }

  @Test
  void fetchIntoCopiesAHitAndLeavesAMissUncached() throws IOException {
    BlobRef ref = put(1000);
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 1 << 20);
    byte[] dst = new byte[2000];
    assertEquals(1000, cache.fetchInto(ref, dst));
    assertEquals(0, cache.sizeBytes(), "a buffered read caches nothing");
    byte[] whole = cache.fetch(ref);
    java.util.Arrays.fill(dst, (byte) 0);
    assertEquals(1000, cache.fetchInto(ref, dst));
    assertArrayEquals(whole, java.util.Arrays.copyOf(dst, 1000));
    assertEquals(2, source.fetchCount(), "the second buffered read was a hit");
    assertThrows(IllegalArgumentException.class, () -> cache.fetchInto(ref, new byte[999]));
  }

  @Test
  void evictsLeastRecentlyUsedByBytes() throws IOException {
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 8 * 1000);
    List<BlobRef> refs = new ArrayList<>();
    for (int i = 0; i < 9; i++) {
      refs.add(put(1000));
    }
    for (int i = 0; i < 8; i++) {
      cache.fetch(refs.get(i));
    }
    assertEquals(8000, cache.sizeBytes());
    cache.fetch(refs.get(0)); // now most recent
    cache.fetch(refs.get(8)); // evicts refs[1], the least recently used
    assertEquals(8000, cache.sizeBytes());
    assertEquals(8, cache.entries());
    assertEquals(1, cache.evictions());
    long before = source.fetchCount();
    cache.fetch(refs.get(0));
    assertEquals(before, source.fetchCount());
    cache.fetch(refs.get(1));
    assertEquals(before + 1, source.fetchCount());
    assertTrue(cache.sizeBytes() <= 8000);
  }

  @Test
  void hugeBlobsPassThroughUncached() throws IOException {
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 8000);
    BlobRef big = put(1001);
    cache.fetch(big);
    cache.fetch(big);
    assertEquals(2, source.fetchCount());
    assertEquals(0, cache.sizeBytes());
  }

  @Test
  void failuresAreNotCached() throws IOException {
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 1 << 20);
    BlobRef ref = put(10);
    source.failNextFetches(1, new IOException("peer gone"));
    assertThrows(IOException.class, () -> cache.fetch(ref));
    assertEquals(10, cache.fetch(ref).length);
    BlobRef missing = Blake3.hash(new byte[] {1});
    assertThrows(BlobNotFoundException.class, () -> cache.fetch(missing));
    source.receive(new byte[] {1});
    assertEquals(1, cache.fetch(missing).length);
  }

  @Test
  void corruptionPassesThroughAsCorruption() throws IOException {
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 1 << 20);
    BlobRef ref = put(10);
    source.corrupt(ref);
    assertThrows(CorruptBlobException.class, () -> cache.fetch(ref));
    assertEquals(0, cache.entries());
  }

  @Test
  void invalidateDropsAnEntry() throws IOException {
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 1 << 20);
    BlobRef ref = put(10);
    cache.fetch(ref);
    cache.invalidate(ref);
    assertEquals(0, cache.sizeBytes());
    cache.fetch(ref);
    assertEquals(2, source.fetchCount());
  }

  @Test
  void concurrentMissesForTheSameRefFetchOnce() throws Exception {
    byte[] data = new byte[5000];
    random.nextBytes(data);
    BlobRef ref = Blake3.hash(data);
    CountDownLatch release = new CountDownLatch(1);
    AtomicInteger calls = new AtomicInteger();
    BlobFetcher slow =
        r -> {
          calls.incrementAndGet();
          try {
            release.await();
          } catch (InterruptedException e) {
            throw new IOException(e);
          }
          return data.clone();
        };
    CachingBlobFetcher cache = new CachingBlobFetcher(slow, 1 << 20);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<byte[]>> results = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        results.add(pool.submit(() -> cache.fetch(ref)));
      }
      // Every thread reaches the cache before the one source fetch completes: one is in the
      // source, the others wait for its fetch (and count as hits).
      Poll.until(
          () -> calls.get() == 1 && cache.hits() == threads - 1,
          Duration.ofSeconds(30),
          () -> calls.get() + " source calls, " + cache.hits() + " joined");
      release.countDown();
      for (Future<byte[]> f : results) {
        assertArrayEquals(data, f.get(30, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(1, calls.get());
  }

  @Test
  void concurrentMixedLoadStaysWithinBudget() throws Exception {
    List<BlobRef> refs = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      refs.add(put(100 + random.nextInt(900)));
    }
    CachingBlobFetcher cache = new CachingBlobFetcher(source, 20_000);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        long seed = t;
        fs.add(
            pool.submit(
                () -> {
                  Random r = new Random(seed);
                  for (int i = 0; i < 2000; i++) {
                    BlobRef ref = refs.get(r.nextInt(refs.size()));
                    assertEquals(ref, Blake3.hash(cache.fetch(ref)));
                  }
                  return null;
                }));
      }
      for (Future<?> f : fs) {
        f.get(60, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertTrue(cache.sizeBytes() <= 20_000);
    assertEquals(16_000, cache.hits() + cache.misses());
  }

  /** Counts range reads that reach it; whole fetches go to {@code source}. */
  private final class RangeCounting implements BlobFetcher {
    final AtomicInteger ranges = new AtomicInteger();

    @Override
    public byte[] fetch(BlobRef ref) throws IOException {
      return source.fetch(ref);
    }

    @Override
    public byte[] fetchRange(BlobRef ref, long offset, int length) throws IOException {
      ranges.incrementAndGet();
      return BlobFetcher.super.fetchRange(ref, offset, length);
    }
  }

  @Test
  void rangeOfACachedBlobIsSlicedFromMemory() throws IOException {
    byte[] data = new byte[100_000];
    random.nextBytes(data);
    BlobRef ref = source.receive(data);
    RangeCounting counting = new RangeCounting();
    CachingBlobFetcher cache = new CachingBlobFetcher(counting, 1 << 20);
    cache.fetch(ref);
    long fetches = source.fetchCount();
    byte[] range = cache.fetchRange(ref, 40_000, 5000);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 40_000, 45_000), range);
    assertArrayEquals(new byte[0], cache.fetchRange(ref, 100_000, 0));
    assertEquals(0, counting.ranges.get());
    assertEquals(fetches, source.fetchCount());
    assertEquals(2, cache.hits());
    // The caller owns the slice.
    range[0] ^= 1;
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 40_000, 45_000), cache.fetchRange(ref, 40_000, 5000));
    assertThrows(IllegalArgumentException.class, () -> cache.fetchRange(ref, 99_999, 2));
    assertThrows(IllegalArgumentException.class, () -> cache.fetchRange(ref, -1, 2));
    assertThrows(IllegalArgumentException.class, () -> cache.fetchRange(ref, Long.MAX_VALUE, 2));
  }

  @Test
  void rangeOfAnUncachedBlobIsTheSourcesRangeReadAndIsNotCached() throws IOException {
    byte[] data = new byte[100_000];
    random.nextBytes(data);
    BlobRef ref = source.receive(data);
    RangeCounting counting = new RangeCounting();
    CachingBlobFetcher cache = new CachingBlobFetcher(counting, 1 << 20);
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 10, 4106), cache.fetchRange(ref, 10, 4096));
    assertArrayEquals(
        java.util.Arrays.copyOfRange(data, 10, 4106), cache.fetchRange(ref, 10, 4096));
    assertEquals(2, counting.ranges.get());
    assertEquals(0, cache.entries());
    assertEquals(2, cache.misses());
    BlobRef missing = Blake3.hash(new byte[] {1, 2, 3});
    assertThrows(BlobNotFoundException.class, () -> cache.fetchRange(missing, 0, 1));
    assertThrows(IllegalArgumentException.class, () -> cache.fetchRange(ref, 0, -1));
  }
}
