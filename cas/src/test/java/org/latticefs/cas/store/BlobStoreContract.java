package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.hash.Blake3;

/**
 * What every {@link BlobStore} must do. Subclasses supply a fresh empty store per test; the suite
 * closes it.
 */
abstract class BlobStoreContract {
  protected BlobStore store;
  private final Random random = new Random(0x1a77ce);

  /** A new, empty store. */
  protected abstract BlobStore newStore() throws IOException;

  @BeforeEach
  void openStore() throws IOException {
    store = newStore();
  }

  @AfterEach
  void closeStore() throws IOException {
    store.close();
  }

  protected byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void roundTripBytes() throws IOException {
    byte[] data = randomBytes(1000);
    BlobRef ref = store.receive(data);
    assertEquals(Blake3.hash(data), ref);
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void receiveHonoursOffsetAndLength() throws IOException {
    byte[] data = randomBytes(300);
    BlobRef ref = store.receive(data, 100, 50);
    assertEquals(Blake3.hash(data, 100, 50), ref);
    assertArrayEquals(java.util.Arrays.copyOfRange(data, 100, 150), store.fetch(ref));
  }

  @Test
  void roundTripStream() throws IOException {
    byte[] data = randomBytes(700_000);
    BlobRef ref = store.receive(new ByteArrayInputStream(data));
    assertEquals(Blake3.hash(data), ref);
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void emptyBlob() throws IOException {
    BlobRef ref = store.receive(new byte[0]);
    assertEquals(Blake3.hash(new byte[0]), ref);
    assertArrayEquals(new byte[0], store.fetch(ref));
    assertEquals(Optional.of(new BlobInfo(ref, 0)), store.stat(ref));
    assertEquals(ref, store.receive(InputStream.nullInputStream()));
  }

  @Test
  void largeMultiMebibyteBlob() throws IOException {
    byte[] data = randomBytes(9 * 1024 * 1024 + 17);
    BlobRef viaStream = store.receive(new ByteArrayInputStream(data));
    BlobRef viaBytes = store.receive(data);
    assertEquals(Blake3.hash(data), viaStream);
    assertEquals(viaStream, viaBytes);
    assertArrayEquals(data, store.fetch(viaStream));
    assertEquals(data.length, store.stat(viaStream).orElseThrow().size());
  }

  @Test
  void receiveIsIdempotent() throws IOException {
    byte[] data = randomBytes(5000);
    BlobRef a = store.receive(data);
    BlobRef b = store.receive(data.clone());
    BlobRef c = store.receive(new ByteArrayInputStream(data));
    assertEquals(a, b);
    assertEquals(a, c);
    assertEquals(List.of(new BlobInfo(a, 5000)), store.enumerate(Optional.empty(), 10));
    assertArrayEquals(data, store.fetch(a));
  }

  @Test
  void fetchedArrayIsTheCallers() throws IOException {
    byte[] data = randomBytes(64);
    BlobRef ref = store.receive(data);
    byte[] first = store.fetch(ref);
    first[0] ^= 1;
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void statPresentAndMissing() throws IOException {
    byte[] data = randomBytes(1234);
    BlobRef ref = store.receive(data);
    assertEquals(Optional.of(new BlobInfo(ref, 1234)), store.stat(ref));
    assertEquals(Optional.empty(), store.stat(Blake3.hash(randomBytes(10))));
  }

  @Test
  void missingBlobThrowsNotFound() {
    BlobRef ref = Blake3.hash(randomBytes(10));
    BlobNotFoundException e = assertThrows(BlobNotFoundException.class, () -> store.fetch(ref));
    assertEquals(ref, e.ref());
  }

  @Test
  void enumerateIsOrderedResumableAndPaged() throws IOException {
    TreeMap<BlobRef, Integer> expected = new TreeMap<>();
    for (int i = 0; i < 300; i++) {
      byte[] data = randomBytes(random.nextInt(200));
      expected.put(store.receive(data), data.length);
    }
    assertEquals(List.of(), store.enumerate(Optional.empty(), 0));
    List<BlobInfo> all = new ArrayList<>();
    Optional<BlobRef> after = Optional.empty();
    int pages = 0;
    while (true) {
      List<BlobInfo> page = store.enumerate(after, 7);
      if (page.isEmpty()) {
        break;
      }
      assertTrue(page.size() <= 7);
      all.addAll(page);
      after = Optional.of(page.get(page.size() - 1).ref());
      pages++;
    }
    assertEquals((expected.size() + 6) / 7, pages);
    List<BlobInfo> want = new ArrayList<>();
    expected.forEach((r, n) -> want.add(new BlobInfo(r, n)));
    assertEquals(want, all);
    assertEquals(want, store.enumerate(Optional.empty(), 1000));

    // Resume from a ref that is not stored: starts strictly after it.
    BlobRef middle = want.get(150).ref();
    store.remove(middle);
    List<BlobInfo> rest = store.enumerate(Optional.of(middle), 1000);
    assertEquals(want.subList(151, want.size()), rest);
  }

  @Test
  void removeDeletesAndReportsPresence() throws IOException {
    byte[] data = randomBytes(100);
    BlobRef ref = store.receive(data);
    assertTrue(store.remove(ref));
    assertFalse(store.remove(ref));
    assertEquals(Optional.empty(), store.stat(ref));
    assertThrows(BlobNotFoundException.class, () -> store.fetch(ref));
    assertEquals(List.of(), store.enumerate(Optional.empty(), 10));
    assertEquals(ref, store.receive(data));
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void removeAllRemovesWhatIsPresentAndSaysWhich() throws IOException {
    BlobRef a = store.receive(randomBytes(100));
    BlobRef b = store.receive(randomBytes(200));
    BlobRef kept = store.receive(randomBytes(300));
    BlobRef absent = Blake3.hash(randomBytes(50));
    boolean[] removed = store.removeAll(List.of(a, absent, b, a));
    assertArrayEquals(new boolean[] {true, false, true, false}, removed);
    assertEquals(Optional.empty(), store.stat(a));
    assertEquals(Optional.empty(), store.stat(b));
    assertEquals(
        List.of(kept), store.enumerate(Optional.empty(), 10).stream().map(BlobInfo::ref).toList());
    assertArrayEquals(new boolean[0], store.removeAll(List.of()));
  }

  @Test
  void concurrentReceivesOfTheSameBlob() throws Exception {
    byte[] data = randomBytes(256 * 1024);
    BlobRef want = Blake3.hash(data);
    int threads = 16;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      for (int round = 0; round < 3; round++) {
        CountDownLatch start = new CountDownLatch(1);
        List<Future<BlobRef>> results = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
          boolean stream = t % 2 == 0;
          results.add(
              pool.submit(
                  () -> {
                    start.await();
                    return stream
                        ? store.receive(new ByteArrayInputStream(data))
                        : store.receive(data.clone());
                  }));
        }
        start.countDown();
        for (Future<BlobRef> f : results) {
          assertEquals(want, f.get(60, TimeUnit.SECONDS));
        }
        assertArrayEquals(data, store.fetch(want));
        assertEquals(
            List.of(new BlobInfo(want, data.length)), store.enumerate(Optional.empty(), 10));
        assertTrue(store.remove(want));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void concurrentReceivesOfDifferentBlobs() throws Exception {
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<byte[]> blobs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      blobs.add(randomBytes(1000 + i));
    }
    try {
      List<Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int from = t;
        fs.add(
            pool.submit(
                () -> {
                  for (int i = from; i < blobs.size(); i += threads) {
                    store.receive(blobs.get(i));
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
    assertEquals(blobs.size(), store.enumerate(Optional.empty(), 1000).size());
    for (byte[] b : blobs) {
      assertArrayEquals(b, store.fetch(Blake3.hash(b)));
    }
  }

  @Test
  void batchCommitStoresEverything() throws IOException {
    byte[] before = randomBytes(500);
    BlobRef existing = store.receive(before);
    List<byte[]> blobs = new ArrayList<>();
    Set<BlobRef> refs = new HashSet<>();
    try (BlobBatch batch = store.newBatch()) {
      for (int i = 0; i < 200; i++) {
        byte[] b = randomBytes(random.nextInt(3000));
        blobs.add(b);
        refs.add(batch.receive(b, 0, b.length));
      }
      // Duplicates inside a batch and content already stored are fine.
      assertEquals(Blake3.hash(blobs.get(0)), batch.receive(blobs.get(0), 0, blobs.get(0).length));
      assertEquals(existing, batch.receive(before, 0, before.length));
      batch.commit();
    }
    for (byte[] b : blobs) {
      assertArrayEquals(b, store.fetch(Blake3.hash(b)));
    }
    refs.add(existing);
    assertEquals(refs.size(), store.enumerate(Optional.empty(), 1000).size());
  }

  @Test
  void batchCanCommitSeveralTimes() throws IOException {
    byte[] a = randomBytes(10);
    byte[] b = randomBytes(20);
    try (BlobBatch batch = store.newBatch()) {
      BlobRef ra = batch.receive(a, 0, a.length);
      batch.commit();
      assertArrayEquals(a, store.fetch(ra));
      BlobRef rb = batch.receive(b, 0, b.length);
      batch.commit();
      assertArrayEquals(b, store.fetch(rb));
      batch.commit();
    }
  }

  @Test
  void batchClosedWithoutCommitLeavesNothingPartial() throws IOException {
    byte[] data = randomBytes(4000);
    BlobRef ref;
    try (BlobBatch batch = store.newBatch()) {
      ref = batch.receive(data, 0, data.length);
    }
    // Either stored whole or not at all.
    Optional<BlobInfo> info = store.stat(ref);
    if (info.isPresent()) {
      assertArrayEquals(data, store.fetch(ref));
    } else {
      assertThrows(BlobNotFoundException.class, () -> store.fetch(ref));
    }
    // And it can be stored normally afterwards.
    store.receive(data);
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void closedBatchRejectsUse() throws IOException {
    BlobBatch batch = store.newBatch();
    batch.close();
    batch.close();
    assertThrows(IllegalStateException.class, () -> batch.receive(new byte[1], 0, 1));
  }

  @Test
  void fetchIntoFillsTheCallersBufferWithTheWholeBlob() throws IOException {
    byte[] dst = new byte[400_000];
    for (int size : new int[] {0, 1, 16 * 1024 + 1, 300_000, 400_000}) {
      byte[] data = randomBytes(size);
      BlobRef ref = store.receive(data);
      java.util.Arrays.fill(dst, (byte) 7);
      assertEquals(size, store.fetchInto(ref, dst));
      assertArrayEquals(data, java.util.Arrays.copyOf(dst, size), "size " + size);
    }
    BlobRef big = store.receive(randomBytes(400_001));
    assertThrows(IllegalArgumentException.class, () -> store.fetchInto(big, dst));
    BlobRef missing = Blake3.hash(randomBytes(10));
    assertThrows(BlobNotFoundException.class, () -> store.fetchInto(missing, dst));
  }

  @Test
  void fetchRangeReturnsExactlyTheRequestedBytes() throws IOException {
    int g = 16 * 1024;
    for (int size : new int[] {0, 10, g, g + 1, 5 * g + 123, 300_000, (1 << 20) + 1}) {
      byte[] data = randomBytes(size);
      BlobRef ref = store.receive(data);
      List<long[]> ranges = new ArrayList<>();
      ranges.add(new long[] {0, size});
      ranges.add(new long[] {size, 0});
      ranges.add(new long[] {0, 0});
      if (size > 0) {
        ranges.add(new long[] {size - 1, 1});
        ranges.add(new long[] {size / 2, 0});
      }
      if (size > g + 10) {
        ranges.add(new long[] {g - 10, 20});
        ranges.add(new long[] {g, g});
        ranges.add(new long[] {g - 1, g + 2});
        ranges.add(new long[] {size - 4096, 4096});
      }
      for (int i = 0; i < 20 && size > 0; i++) {
        int off = random.nextInt(size);
        ranges.add(new long[] {off, random.nextInt(Math.min(size - off, 40_000) + 1)});
      }
      // Twice, so that stores that learn from the first read serve the second differently.
      for (int round = 0; round < 2; round++) {
        for (long[] r : ranges) {
          int off = (int) r[0];
          int len = (int) r[1];
          assertArrayEquals(
              java.util.Arrays.copyOfRange(data, off, off + len),
              store.fetchRange(ref, off, len),
              "size " + size + ", range " + off + "+" + len + ", round " + round);
        }
      }
    }
  }

  @Test
  void fetchRangeRejectsBadRangesAndMissingBlobs() throws IOException {
    byte[] data = randomBytes(100_000);
    BlobRef ref = store.receive(data);
    for (int round = 0; round < 2; round++) {
      assertThrows(IllegalArgumentException.class, () -> store.fetchRange(ref, -1, 10));
      assertThrows(IllegalArgumentException.class, () -> store.fetchRange(ref, 0, -1));
      assertThrows(IllegalArgumentException.class, () -> store.fetchRange(ref, 99_999, 2));
      assertThrows(IllegalArgumentException.class, () -> store.fetchRange(ref, 100_001, 0));
      assertThrows(IllegalArgumentException.class, () -> store.fetchRange(ref, Long.MAX_VALUE, 1));
      assertArrayEquals(new byte[0], store.fetchRange(ref, 100_000, 0));
    }
    BlobRef missing = Blake3.hash(randomBytes(10));
    assertThrows(BlobNotFoundException.class, () -> store.fetchRange(missing, 0, 1));
    assertTrue(store.remove(ref));
    assertThrows(BlobNotFoundException.class, () -> store.fetchRange(ref, 0, 1));
  }
}
