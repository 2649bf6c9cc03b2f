package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Outboard;

/**
 * {@link DiskBlobStore#fetchRange}: group-wise verification with a cached outboard, whole-blob
 * verification without one, and corruption handled exactly as {@link DiskBlobStore#fetch} handles
 * it either way.
 */
class DiskBlobStoreRangeTest {
  private static final int G = Outboard.GROUP_SIZE;

  @TempDir Path root;
  private DiskBlobStore store;
  private final Random random = new Random(0x0b0a4d);
  private final List<BlobRef> reported = new CopyOnWriteArrayList<>();

  @BeforeEach
  void open() throws IOException {
    // On CI the native library must be there; elsewhere these tests need it too.
    assumeTrue(Outboard.isAvailable() || System.getenv("CI") != null, "native BLAKE3 missing");
    assertTrue(Outboard.isAvailable(), "CI must test outboards: native BLAKE3 is missing");
    store = openStore(DiskBlobStore.Options.defaults());
  }

  private DiskBlobStore openStore(DiskBlobStore.Options options) throws IOException {
    DiskBlobStore s = DiskBlobStore.open(root, options);
    s.addCorruptionListener((ref, quarantined, detail) -> reported.add(ref));
    return s;
  }

  @AfterEach
  void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  private void reopen(DiskBlobStore.Options options) throws IOException {
    store.close();
    store = openStore(options);
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private Path blobFile(BlobRef ref) {
    return root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
  }

  private Path outboardFile(BlobRef ref) {
    return root.resolve("cas/outboards")
        .resolve(ref.hex().substring(0, 2))
        .resolve(ref.hex() + ".ob");
  }

  private void flipByte(BlobRef ref, long at) throws IOException {
    Tamper.flipByte(blobFile(ref), at);
  }

  private void assertReportedCorrupt(BlobRef ref) {
    assertEquals(List.of(ref), reported);
    assertEquals(Set.of(ref), store.corruptRefs());
    assertFalse(Files.exists(blobFile(ref)), "quarantined");
    assertTrue(Files.exists(root.resolve("cas/quarantine/" + ref.hex() + ".blob")));
  }

  @Test
  void secondRangeReadUsesTheCachedOutboard() throws IOException {
    byte[] data = randomBytes(300_000);
    BlobRef ref = store.receive(data);
    assertArrayEquals(Arrays.copyOfRange(data, 5000, 9096), store.fetchRange(ref, 5000, 4096));
    assertEquals(
        new DiskBlobStore.OutboardStats(1, 96 + 19 * 32, 0, 1, 0, 1), store.outboardStats());
    assertArrayEquals(
        Arrays.copyOfRange(data, 200_000, 204_096), store.fetchRange(ref, 200_000, 4096));
    assertEquals(1, store.outboardStats().hits());
  }

  @Test
  void wholeFetchAlsoLearnsTheOutboard() throws IOException {
    byte[] data = randomBytes(100_000);
    BlobRef ref = store.receive(data);
    store.fetch(ref);
    assertEquals(1, store.outboardStats().entries());
    store.fetchRange(ref, 1, 2);
    assertEquals(1, store.outboardStats().hits());
  }

  @Test
  void smallBlobsNeedNoOutboard() throws IOException {
    byte[] data = randomBytes(G);
    BlobRef ref = store.receive(data);
    assertArrayEquals(Arrays.copyOfRange(data, 7, 100), store.fetchRange(ref, 7, 93));
    assertEquals(0, store.outboardStats().entries());
  }

  @Test
  void onlyTheGroupsARangeTouchesAreReadAndVerified() throws IOException {
    byte[] data = randomBytes(10 * G);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 1);
    // Damage group 7 only: reads of other groups still succeed (they never read group 7) ...
    flipByte(ref, 7 * G + 100);
    assertArrayEquals(Arrays.copyOfRange(data, 2 * G, 7 * G), store.fetchRange(ref, 2 * G, 5 * G));
    assertArrayEquals(Arrays.copyOfRange(data, 8 * G, 10 * G), store.fetchRange(ref, 8 * G, 2 * G));
    assertEquals(List.of(), reported);
    // ... and the first read that touches it finds it.
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 7 * G + 100, 1));
    assertReportedCorrupt(ref);
  }

  @Test
  void flippedByteWithTheOutboardCachedIsCorruption() throws IOException {
    for (int trial = 0; trial < 5; trial++) {
      byte[] data = randomBytes(100_000 + random.nextInt(900_000));
      BlobRef ref = store.receive(data);
      store.fetchRange(ref, 0, 10);
      long hitsBefore = store.outboardStats().hits();
      int at = random.nextInt(data.length);
      flipByte(ref, at);
      int off = Math.max(0, at - random.nextInt(5000));
      int len = Math.min(data.length - off, at - off + 1 + random.nextInt(5000));
      CorruptBlobException e =
          assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, off, len));
      assertEquals(ref, e.ref());
      assertEquals(hitsBefore + 1, store.outboardStats().hits(), "served via the outboard");
      assertReportedCorrupt(ref);
      // Quarantined: it is gone for readers until a good copy is stored, which repairs it.
      assertThrows(BlobNotFoundException.class, () -> store.fetchRange(ref, off, len));
      store.receive(data);
      assertArrayEquals(Arrays.copyOfRange(data, off, off + len), store.fetchRange(ref, off, len));
      assertEquals(Set.of(), store.corruptRefs());
      reported.clear();
    }
  }

  @Test
  void flippedByteWithoutACachedOutboardIsCorruption() throws IOException {
    byte[] data = randomBytes(500_000);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 10);
    // A fresh store without the saved outboard has none: the range read verifies the whole blob.
    store.close();
    Files.delete(outboardFile(ref));
    store = openStore(DiskBlobStore.Options.defaults());
    assertEquals(0, store.outboardStats().entries());
    flipByte(ref, 400_000);
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 0, 10));
    assertEquals(1, store.outboardStats().misses());
    assertReportedCorrupt(ref);
  }

  @Test
  void truncatedFileWithTheOutboardCachedIsCorruption() throws IOException {
    byte[] data = randomBytes(100_000);
    BlobRef ref = store.receive(data);
    store.fetch(ref);
    try (RandomAccessFile f = new RandomAccessFile(blobFile(ref).toFile(), "rw")) {
      f.setLength(90_000);
    }
    assertArrayEquals(Arrays.copyOfRange(data, 0, 10), store.fetchRange(ref, 0, 10));
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 95_000, 10));
    assertReportedCorrupt(ref);
  }

  @Test
  void withoutAnOutboardCacheEveryRangeReadVerifiesTheWholeBlob() throws IOException {
    reopen(DiskBlobStore.Options.defaults().withOutboardCacheBytes(0));
    byte[] data = randomBytes(10 * G);
    BlobRef ref = store.receive(data);
    assertArrayEquals(Arrays.copyOfRange(data, G, 3 * G), store.fetchRange(ref, G, 2 * G));
    flipByte(ref, 9 * G);
    // A range far from the damage still fails: the whole blob is checked.
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 0, 1));
    assertReportedCorrupt(ref);
    assertEquals(new DiskBlobStore.OutboardStats(0, 0, 0, 0, 0, 0), store.outboardStats());
  }

  @Test
  void outboardCacheIsBoundedInBytes() throws IOException {
    long oneOutboard = 96 + 7 * 32; // a 100,000-byte blob has 7 groups
    reopen(DiskBlobStore.Options.defaults().withOutboardCacheBytes(3 * oneOutboard));
    List<BlobRef> refs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      BlobRef ref = store.receive(randomBytes(100_000));
      refs.add(ref);
      store.fetchRange(ref, 0, 1);
    }
    assertEquals(3, store.outboardStats().entries());
    assertEquals(3 * oneOutboard, store.outboardStats().bytes());
    store.fetchRange(refs.get(4), 0, 1);
    assertEquals(1, store.outboardStats().hits(), "the most recent one is kept");
    store.fetchRange(refs.get(0), 0, 1);
    assertEquals(6, store.outboardStats().misses(), "the oldest one was evicted");
  }

  @Test
  void rangeReadsCountAsAccesses() throws IOException {
    AccessTrackerTest.ManualClock clock = new AccessTrackerTest.ManualClock();
    reopen(DiskBlobStore.Options.defaults().withClock(clock));
    BlobRef ref = store.receive(randomBytes(50_000));
    store.fetchRange(ref, 0, 1);
    clock.advance(Duration.ofHours(2));
    store.fetchRange(ref, 40_000, 100);
    assertEquals(clock.instant(), store.accessTracker().lastAccess(ref).orElseThrow());
  }

  @Test
  void savedOutboardServesRangeReadsAfterAReopen() throws IOException {
    byte[] data = randomBytes(10 * G);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 1);
    assertEquals(1, store.outboardStats().saved());
    assertTrue(Files.exists(outboardFile(ref)));
    reopen(DiskBlobStore.Options.defaults());
    // Group 7 damaged: a reopened store that had to verify the whole blob would notice it now.
    flipByte(ref, 7 * G + 5);
    assertArrayEquals(Arrays.copyOfRange(data, 2 * G, 7 * G), store.fetchRange(ref, 2 * G, 5 * G));
    assertEquals(
        new DiskBlobStore.OutboardStats(1, 96 + 10 * 32, 0, 1, 1, 0), store.outboardStats());
    assertEquals(List.of(), reported);
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 7 * G, 10));
    assertReportedCorrupt(ref);
  }

  @Test
  void outboardsAreSavedForRangeReadsOnly() throws IOException {
    byte[] data = randomBytes(5 * G);
    BlobRef ref = store.receive(data);
    store.fetch(ref);
    assertEquals(0, store.outboardStats().saved(), "whole reads (sequential) do not save them");
    assertFalse(Files.exists(outboardFile(ref)));
  }

  @Test
  void removeDeletesTheSavedOutboard() throws IOException {
    BlobRef ref = store.receive(randomBytes(5 * G));
    store.fetchRange(ref, 0, 1);
    assertTrue(Files.exists(outboardFile(ref)));
    store.remove(ref);
    assertFalse(Files.exists(outboardFile(ref)));
  }

  /**
   * A saved outboard that is damaged, torn, of another blob, of another size, or any bytes at all:
   * never trusted; the read verifies the whole blob, returns the right bytes, reports nothing, and
   * saves a good outboard in its place.
   */
  @Test
  void badSavedOutboardsAreDroppedAndComputedAgain() throws IOException {
    byte[] data = randomBytes(6 * G + 123);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 1);
    byte[] good = Files.readAllBytes(outboardFile(ref));
    BlobRef other = store.receive(randomBytes(6 * G + 123));
    store.fetchRange(other, 0, 1);
    byte[] othersOutboard = Files.readAllBytes(outboardFile(other));
    List<byte[]> bad = new ArrayList<>();
    bad.add(othersOutboard);
    bad.add(Arrays.copyOf(good, good.length - 1));
    bad.add(Arrays.copyOf(good, good.length + 32));
    bad.add(new byte[0]);
    byte[] smaller = good.clone();
    smaller[8] -= 5; // the size's low byte: a size within the last group, which the ref allows
    bad.add(smaller);
    for (int i = 0; i < 40; i++) {
      byte[] flipped = good.clone();
      flipped[random.nextInt(flipped.length)] ^= (byte) (1 + random.nextInt(255));
      bad.add(flipped);
      bad.add(randomBytes(random.nextInt(400)));
    }
    for (byte[] b : bad) {
      store.close();
      Files.write(outboardFile(ref), b);
      store = openStore(DiskBlobStore.Options.defaults());
      int off = data.length - 100 - random.nextInt(3 * G);
      assertArrayEquals(Arrays.copyOfRange(data, off, off + 100), store.fetchRange(ref, off, 100));
      assertArrayEquals(
          Arrays.copyOfRange(data, data.length - 7, data.length),
          store.fetchRange(ref, data.length - 7, 7));
      assertEquals(0, store.outboardStats().loaded());
      assertArrayEquals(good, Files.readAllBytes(outboardFile(ref)), "saved again");
    }
    assertEquals(List.of(), reported);
  }

  /** Descriptors of this process that point at {@code file}, deleted or not. */
  private static long openDescriptorsOf(Path file) throws IOException {
    String name = file.getFileName().toString();
    long n = 0;
    try (var fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : (Iterable<Path>) fds::iterator) {
        try {
          if (Files.readSymbolicLink(fd).toString().contains(name)) {
            n++;
          }
        } catch (IOException e) {
          // closed meanwhile
        }
      }
    }
    return n;
  }

  @Test
  void rangeReadsKeepTheBlobFileOpenUntilItIsRemoved() throws IOException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
    byte[] data = randomBytes(200_000);
    BlobRef ref = store.receive(data);
    Path file = blobFile(ref);
    store.fetchRange(ref, 0, 10);
    store.fetchRange(ref, 100_000, 10);
    assertEquals(1, openDescriptorsOf(file), "one cached channel for both reads");
    assertTrue(store.remove(ref));
    assertEquals(0, openDescriptorsOf(file), "a removed blob's space must not stay held");
    assertThrows(BlobNotFoundException.class, () -> store.fetchRange(ref, 0, 10));
  }

  @Test
  void quarantineClosesTheCachedChannel() throws IOException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
    byte[] data = randomBytes(200_000);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 10);
    flipByte(ref, 150_000);
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 150_000, 10));
    assertReportedCorrupt(ref);
    assertEquals(0, openDescriptorsOf(blobFile(ref)));
  }

  @Test
  void aBlobStoredAgainIsReadFromItsNewFile() throws IOException {
    byte[] data = randomBytes(200_000);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 10); // verifies the whole blob, learning its outboard
    store.fetchRange(ref, 10, 10); // reads through a cached channel
    store.remove(ref);
    store.receive(data);
    assertArrayEquals(Arrays.copyOfRange(data, 50, 60), store.fetchRange(ref, 50, 10));
    // Damage only the new file: a read through a channel of the old (deleted) file would not see
    // it.
    flipByte(ref, 120_000);
    assertThrows(CorruptBlobException.class, () -> store.fetchRange(ref, 120_000, 10));
    assertReportedCorrupt(ref);
  }

  @Test
  void closedStoreReleasesItsChannels() throws IOException {
    assumeTrue(Files.isDirectory(Path.of("/proc/self/fd")), "needs /proc");
    byte[] data = randomBytes(200_000);
    BlobRef ref = store.receive(data);
    store.fetchRange(ref, 0, 10);
    store.fetchRange(ref, 10, 10);
    assertEquals(1, openDescriptorsOf(blobFile(ref)));
    store.close();
    assertEquals(0, openDescriptorsOf(blobFile(ref)));
    store = null;
  }

  @Test
  void concurrentRangeReadsFromManyThreads() throws Exception {
    List<byte[]> blobs = new ArrayList<>();
    List<BlobRef> refs = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      byte[] data = randomBytes(64 * 1024 + random.nextInt(1 << 20));
      blobs.add(data);
      refs.add(store.receive(data));
    }
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    CountDownLatch start = new CountDownLatch(1);
    try {
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        results.add(
            pool.submit(
                () -> {
                  Random r = new Random(seed);
                  start.await();
                  for (int i = 0; i < 300; i++) {
                    int b = r.nextInt(blobs.size());
                    byte[] data = blobs.get(b);
                    int off = r.nextInt(data.length);
                    int len = r.nextInt(Math.min(data.length - off, 70_000) + 1);
                    byte[] got =
                        i % 50 == 0
                            ? Arrays.copyOfRange(store.fetch(refs.get(b)), off, off + len)
                            : store.fetchRange(refs.get(b), off, len);
                    assertArrayEquals(Arrays.copyOfRange(data, off, off + len), got);
                  }
                  return 300;
                }));
      }
      start.countDown();
      for (Future<Integer> f : results) {
        assertEquals(300, f.get(2, TimeUnit.MINUTES));
      }
    } finally {
      pool.shutdownNow();
    }
    assertEquals(refs.size(), store.outboardStats().entries());
    assertTrue(store.outboardStats().hits() > 1000, store.outboardStats().toString());
    assertEquals(List.of(), reported);
  }
}
