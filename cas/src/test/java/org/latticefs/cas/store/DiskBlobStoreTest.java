package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.CorruptBlobException;

class DiskBlobStoreTest extends BlobStoreContract {
  @TempDir Path root;

  @Override
  protected BlobStore newStore() throws IOException {
    return DiskBlobStore.open(root);
  }

  private DiskBlobStore disk() {
    return (DiskBlobStore) store;
  }

  private Path blobFile(BlobRef ref) {
    return root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
  }

  /** Every temp file anywhere in the store (shard directories and tmp/). */
  private List<Path> tempFiles() throws IOException {
    try (Stream<Path> s = Files.walk(root.resolve("cas"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }

  private List<Path> filesUnder(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    }
  }

  @Test
  void layoutIsShardedByTheFirstByte() throws IOException {
    byte[] data = randomBytes(42);
    BlobRef ref = store.receive(data);
    assertArrayEquals(data, Files.readAllBytes(blobFile(ref)));
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void flippedByteIsCorruptionReportedAndQuarantined() throws IOException {
    byte[] data = randomBytes(10_000);
    BlobRef ref = store.receive(data);
    Path file = blobFile(ref);
    byte[] bad = Files.readAllBytes(file);
    bad[5000] ^= 0x40;
    Files.write(file, bad);
    List<BlobRef> reported = new ArrayList<>();
    disk().addCorruptionListener((r, q, d) -> reported.add(r));
    long bytesBefore = disk().bytesStored();

    CorruptBlobException e = assertThrows(CorruptBlobException.class, () -> store.fetch(ref));
    assertEquals(ref, e.ref());
    assertEquals(List.of(ref), reported);
    assertEquals(Set.of(ref), disk().corruptRefs());
    assertFalse(Files.exists(file), "bad file must be out of readers' way");
    Path quarantined = root.resolve("cas/quarantine/" + ref.hex() + ".blob");
    assertArrayEquals(bad, Files.readAllBytes(quarantined), "bad bytes kept, not deleted");
    assertEquals(bytesBefore - data.length, disk().bytesStored());
    assertEquals(Optional.empty(), store.stat(ref));

    // Still reported after a restart.
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(Set.of(ref), disk().corruptRefs());

    // A good copy repairs it.
    store.receive(data);
    assertArrayEquals(data, store.fetch(ref));
    assertTrue(disk().corruptRefs().isEmpty());
    assertFalse(Files.exists(quarantined));
  }

  @Test
  void fetchIntoAFlippedOrShortBlobIsCorruptionToo() throws IOException {
    for (boolean truncate : new boolean[] {false, true}) {
      byte[] data = randomBytes(100_000);
      BlobRef ref = store.receive(data);
      Path file = blobFile(ref);
      byte[] bad = Files.readAllBytes(file);
      if (truncate) {
        bad = java.util.Arrays.copyOf(bad, 99_999);
      } else {
        bad[77_777] ^= 0x01;
      }
      Files.write(file, bad);
      byte[] dst = new byte[1 << 20];
      assertThrows(CorruptBlobException.class, () -> store.fetchInto(ref, dst));
      assertFalse(Files.exists(file), "quarantined");
      assertTrue(disk().corruptRefs().contains(ref));
      store.receive(data);
      assertEquals(data.length, store.fetchInto(ref, dst));
      assertArrayEquals(data, java.util.Arrays.copyOf(dst, data.length));
    }
  }

  @Test
  void truncatedBlobIsReplacedByTheNextReceive() throws IOException {
    byte[] data = randomBytes(10_000);
    BlobRef ref = store.receive(data);
    Files.write(blobFile(ref), new byte[10]);
    assertEquals(ref, store.receive(data));
    assertArrayEquals(data, store.fetch(ref));
    assertEquals(Set.of(), disk().corruptRefs());
    // The count follows what the store did; a size changed behind its back shows after reopen.
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(data.length, disk().bytesStored());
  }

  @Test
  void crashLeftoverTempFilesAreCleanedOnOpen() throws IOException {
    BlobRef kept = store.receive(randomBytes(100));
    store.close();
    // What a crash leaves: no usage record (only a clean close writes one).
    Files.delete(root.resolve("cas/usage"));
    Path tmp = root.resolve("cas/tmp");
    for (int i = 0; i < 5; i++) {
      Files.write(tmp.resolve("b" + i + ".tmp"), randomBytes(1000));
    }
    BlobRef unfinished = org.latticefs.cas.hash.Blake3.hash(randomBytes(10));
    Path shard = blobFile(unfinished).getParent();
    Files.write(shard.resolve(unfinished.hex() + ".4711.tmp"), randomBytes(7));
    assertEquals(6, tempFiles().size());
    store = DiskBlobStore.open(root);
    assertEquals(List.of(), tempFiles());
    assertEquals(List.of(new BlobInfo(kept, 100)), store.enumerate(Optional.empty(), 10));
  }

  @Test
  void halfWrittenTempIsNeverVisible() throws IOException {
    byte[] data = randomBytes(5000);
    BlobRef ref = org.latticefs.cas.hash.Blake3.hash(data);
    // A crash mid-write leaves a prefix beside where the blob would be, and one in tmp/.
    Files.write(root.resolve("cas/tmp/" + ref.hex() + ".tmp"), java.util.Arrays.copyOf(data, 100));
    Files.write(
        blobFile(ref).resolveSibling(ref.hex() + ".99.tmp"), java.util.Arrays.copyOf(data, 100));
    assertEquals(Optional.empty(), store.stat(ref));
    assertEquals(List.of(), store.enumerate(Optional.empty(), 10));
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(Optional.empty(), store.stat(ref));
    assertEquals(ref, store.receive(data));
    assertArrayEquals(data, store.fetch(ref));
  }

  @Test
  void bytesStoredIsKeptAndRecomputedOnOpen() throws IOException {
    store.receive(randomBytes(100));
    BlobRef b = store.receive(randomBytes(250));
    store.receive(randomBytes(250 - 1));
    assertEquals(599, disk().bytesStored());
    assertEquals(3, disk().blobCount());
    store.remove(b);
    assertEquals(349, disk().bytesStored());
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(349, disk().bytesStored());
    assertEquals(2, disk().blobCount());
    assertTrue(disk().usableSpace() > 0);
    assertTrue(disk().totalSpace() >= disk().usableSpace());
    DiskBlobStore.Usage u = disk().usage();
    assertEquals(349, u.bytesStored());
    assertEquals(2, u.blobCount());
    assertTrue(u.usableBytes() > 0 && u.totalBytes() >= u.usableBytes());
  }

  @Test
  void removeAllKeepsTheCountsAndAHeldRef() throws IOException {
    BlobRef a = store.receive(randomBytes(100));
    BlobRef b = store.receive(randomBytes(250));
    BlobRef c = store.receive(randomBytes(400));
    try (org.latticefs.cas.Hold hold = disk().newHold()) {
      hold.hold(b);
      assertArrayEquals(new boolean[] {true, false, true}, store.removeAll(List.of(a, b, c)));
    }
    assertEquals(250, disk().bytesStored());
    assertEquals(1, disk().blobCount());
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(250, disk().bytesStored());
    assertEquals(
        List.of(b), store.enumerate(Optional.empty(), 10).stream().map(BlobInfo::ref).toList());
  }

  @Test
  void secondOpenOfTheSameRootFails() {
    IOException e = assertThrows(IOException.class, () -> DiskBlobStore.open(root));
    assertTrue(e.getMessage().contains("already open"), e.getMessage());
  }

  @Test
  void strayFilesAreIgnored() throws IOException {
    BlobRef ref = store.receive(randomBytes(10));
    Files.writeString(blobFile(ref).resolveSibling("notes.txt"), "hello");
    assertEquals(1, store.enumerate(Optional.empty(), 10).size());
    store.close();
    store = DiskBlobStore.open(root);
    assertEquals(10, disk().bytesStored());
  }

  @Test
  void fetchAndReceiveTouchAndAccessTimesSurviveReopen() throws IOException {
    store.close();
    AccessTrackerTest.ManualClock clock = new AccessTrackerTest.ManualClock();
    DiskBlobStore.Options opts = DiskBlobStore.Options.defaults().withClock(clock);
    store = DiskBlobStore.open(root, opts);
    byte[] a = randomBytes(10);
    byte[] b = randomBytes(20);
    BlobRef ra = store.receive(a);
    clock.advance(java.time.Duration.ofHours(1));
    BlobRef rb = store.receive(b);
    clock.advance(java.time.Duration.ofHours(1));
    store.fetch(ra);
    java.time.Instant fetchedAt = clock.instant();
    AccessTracker access = disk().accessTracker();
    assertEquals(Optional.of(fetchedAt), access.lastAccess(ra));
    assertEquals(
        List.of(rb, ra), access.oldestFirst(disk(), 10).stream().map(x -> x.ref()).toList());
    store.close();

    store = DiskBlobStore.open(root, opts);
    assertEquals(Optional.of(fetchedAt), disk().accessTracker().lastAccess(ra));
    assertEquals(
        List.of(rb, ra),
        disk().accessTracker().oldestFirst(disk(), 10).stream().map(x -> x.ref()).toList());
    store.remove(rb);
    assertEquals(Optional.empty(), disk().accessTracker().lastAccess(rb));
  }

  @Test
  void blobsUnknownToTheTrackerStartAtTheirFileTime() throws IOException {
    BlobRef ref = store.receive(randomBytes(10));
    store.close();
    Files.delete(root.resolve("cas/access"));
    java.nio.file.attribute.FileTime t =
        java.nio.file.attribute.FileTime.from(java.time.Instant.parse("2024-05-01T10:00:00Z"));
    Files.setLastModifiedTime(blobFile(ref), t);
    store = DiskBlobStore.open(root);
    assertEquals(Optional.of(t.toInstant()), disk().accessTracker().lastAccess(ref));
  }

  @Test
  void corruptAccessFileDoesNotStopTheStore() throws IOException {
    BlobRef ref = store.receive(randomBytes(10));
    store.close();
    Files.write(root.resolve("cas/access"), randomBytes(777));
    store = DiskBlobStore.open(root);
    assertTrue(disk().accessTracker().lastAccess(ref).isPresent());
    assertEquals(1, store.enumerate(Optional.empty(), 10).size());
  }

  @Test
  void batchBlobsAppearAtCommitAndTempsAreGone() throws IOException {
    byte[] data = randomBytes(3000);
    try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
      BlobRef ref = batch.receive(data, 0, data.length);
      assertEquals(Optional.empty(), store.stat(ref));
      // Background writers may not have created the temp file yet; never more than one.
      assertTrue(tempFiles().size() <= 1, tempFiles().toString());
      batch.commit();
      assertArrayEquals(data, store.fetch(ref));
      assertEquals(List.of(), tempFiles());
    }
    BlobRef dropped;
    try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
      dropped = batch.receive(randomBytes(100), 0, 100);
    }
    assertEquals(Optional.empty(), store.stat(dropped));
    assertEquals(List.of(), tempFiles());
    assertEquals(0, disk().openBatches());
  }

  @Test
  void largeBatchWithBackgroundWriteBackAndBufferReuse() throws IOException {
    // > 64 MiB starts background syncfs calls; blobs from 1 byte to past the 1 MiB reused buffers,
    // from offsets inside a larger array, to both the writer threads and the caller's thread.
    List<byte[]> blobs = new ArrayList<>();
    for (int writers : new int[] {2, 0}) {
      store.close();
      store =
          DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withBatchWriteThreads(writers));
      byte[] source = randomBytes(3 << 20);
      try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
        for (int i = 0; i < 70; i++) {
          int len = i == 0 ? 1 : (1 << 20) + (i % 3 - 1) * 1000 * i; // below, at, above 1 MiB
          int off = (i * 7919) % ((3 << 20) - len);
          byte[] b = java.util.Arrays.copyOfRange(source, off, off + len);
          b[0] ^= (byte) (writers + i);
          source[off] = b[0];
          blobs.add(b);
          batch.receive(source, off, len);
        }
        batch.commit();
      }
      assertEquals(List.of(), tempFiles());
    }
    for (byte[] b : blobs) {
      assertArrayEquals(b, store.fetch(org.latticefs.cas.hash.Blake3.hash(b)));
    }
    assertEquals(0, disk().openBatches());
  }

  /**
   * Descriptors of this process open on files without a name in the store's tmp/: what the kernel
   * shows for an {@code O_TMPFILE} file ({@code tmp/#inode (deleted)}).
   */
  private long unnamedFds() throws IOException {
    String prefix = root.resolve("cas/tmp").toRealPath() + "/#";
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.map(
              fd -> {
                try {
                  return Files.readSymbolicLink(fd).toString();
                } catch (IOException closedMeanwhile) {
                  return "";
                }
              })
          .filter(target -> target.startsWith(prefix))
          .count();
    }
  }

  private static boolean linux() {
    return System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux");
  }

  @Test
  void batchHoldsItsBlobsAsUnnamedFilesUntilTheCommitNamesThem() throws IOException {
    assertTrue(!linux() || Fsync.hasUnnamed(), "unnamed files should be available on Linux");
    List<byte[]> blobs = new ArrayList<>();
    try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
      for (int i = 0; i < 5; i++) {
        byte[] b = randomBytes(1000 + i);
        blobs.add(b);
        batch.receive(b, 0, b.length);
      }
      if (linux()) {
        assertEquals(5, disk().unnamedTempsHeld());
        assertEquals(5, unnamedFds());
      }
      assertEquals(List.of(), tempFiles());
      assertEquals(0, disk().blobCount());
      batch.commit();
    }
    assertEquals(0, disk().unnamedTempsHeld());
    assertEquals(0, unnamedFds());
    for (byte[] b : blobs) {
      BlobRef ref = org.latticefs.cas.hash.Blake3.hash(b);
      assertArrayEquals(b, Files.readAllBytes(blobFile(ref)));
      assertArrayEquals(b, store.fetch(ref));
    }
    assertEquals(5, disk().blobCount());

    BlobRef dropped;
    try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
      dropped = batch.receive(randomBytes(100), 0, 100);
    }
    assertEquals(Optional.empty(), store.stat(dropped));
    assertEquals(0, disk().unnamedTempsHeld());
    assertEquals(0, unnamedFds());
  }

  @Test
  void pastItsUnnamedFileBudgetABatchWritesNamedTempFiles() throws IOException {
    for (int budget : new int[] {3, 0}) {
      store.close();
      store = DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withUnnamedTemps(budget));
      List<byte[]> blobs = new ArrayList<>();
      try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
        for (int i = 0; i < 8; i++) {
          byte[] b = randomBytes(2000 + i);
          blobs.add(b);
          batch.receive(b, 0, b.length);
        }
        int unnamed = linux() ? budget : 0;
        assertEquals(unnamed, disk().unnamedTempsHeld(), "budget " + budget);
        assertEquals(8 - unnamed, tempFiles().size(), "budget " + budget);
        batch.commit();
      }
      assertEquals(List.of(), tempFiles());
      assertEquals(0, disk().unnamedTempsHeld());
      assertEquals(0, unnamedFds());
      for (byte[] b : blobs) {
        assertArrayEquals(b, store.fetch(org.latticefs.cas.hash.Blake3.hash(b)));
      }
    }
    assertEquals(16, disk().blobCount());
  }

  @Test
  void closingTheStoreDropsTheUnnamedFilesOfABatchLeftOpen() throws IOException {
    org.latticefs.cas.BlobBatch batch = store.newBatch();
    for (int i = 0; i < 3; i++) {
      batch.receive(randomBytes(4000 + i), 0, 4000 + i);
    }
    assertEquals(linux() ? 3 : 0, unnamedFds());
    store.close();
    assertEquals(0, unnamedFds());
    assertThrows(IOException.class, batch::commit);
    batch.close();
    store = DiskBlobStore.open(root);
    assertEquals(0, disk().blobCount());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void twoBatchesWithTheSameBlobStoreItOnce() throws IOException {
    byte[] shared = randomBytes(5000);
    byte[] a = randomBytes(3000);
    byte[] b = randomBytes(4000);
    try (org.latticefs.cas.BlobBatch first = store.newBatch();
        org.latticefs.cas.BlobBatch second = store.newBatch()) {
      first.receive(shared, 0, shared.length);
      first.receive(a, 0, a.length);
      second.receive(shared, 0, shared.length);
      second.receive(b, 0, b.length);
      first.commit();
      second.commit();
    }
    assertEquals(3, disk().blobCount());
    assertEquals(12_000, disk().bytesStored());
    assertEquals(0, disk().unnamedTempsHeld());
    assertEquals(0, unnamedFds());
    for (byte[] x : List.of(shared, a, b)) {
      assertArrayEquals(x, store.fetch(org.latticefs.cas.hash.Blake3.hash(x)));
    }
  }

  @Test
  void closedStoreRejectsCalls() throws IOException {
    store.close();
    assertThrows(IOException.class, () -> store.receive(new byte[1]));
    assertThrows(
        IOException.class, () -> store.fetch(org.latticefs.cas.hash.Blake3.hash(new byte[1])));
  }

  @Test
  void batchWithPerFileSyncsAndCallerWrites() throws IOException {
    store.close();
    store =
        DiskBlobStore.open(
            root, DiskBlobStore.Options.defaults().withBatchSyncfs(false).withBatchWriteThreads(0));
    List<byte[]> blobs = new ArrayList<>();
    try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
      for (int i = 0; i < 300; i++) {
        byte[] b = randomBytes(1 + i * 7);
        blobs.add(b);
        batch.receive(b, 0, b.length);
      }
      batch.commit();
    }
    for (byte[] b : blobs) {
      assertArrayEquals(b, store.fetch(org.latticefs.cas.hash.Blake3.hash(b)));
    }
    assertEquals(300, disk().blobCount());
    assertEquals(List.of(), tempFiles());
  }

  @Test
  void syncfsIsAvailableOnLinux() {
    if (System.getProperty("os.name").toLowerCase(java.util.Locale.ROOT).contains("linux")) {
      assertTrue(Fsync.hasSyncfs(), "syncfs should load through jnr-ffi on Linux");
    }
  }

  @Test
  void concurrentReceiveFetchRemoveKeepsAccountingExact() throws Exception {
    List<byte[]> blobs = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      blobs.add(randomBytes(100 * (i + 1)));
    }
    int threads = 8;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<?>> fs = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        long seed = t;
        fs.add(
            pool.submit(
                () -> {
                  java.util.Random r = new java.util.Random(seed);
                  for (int i = 0; i < 150; i++) {
                    byte[] b = blobs.get(r.nextInt(blobs.size()));
                    BlobRef ref = org.latticefs.cas.hash.Blake3.hash(b);
                    switch (r.nextInt(4)) {
                      case 0 -> store.remove(ref);
                      case 1 -> {
                        try {
                          assertArrayEquals(b, store.fetch(ref));
                        } catch (org.latticefs.cas.BlobNotFoundException gone) {
                          // Removed concurrently: fine.
                        }
                      }
                      case 2 -> {
                        try (org.latticefs.cas.BlobBatch batch = store.newBatch()) {
                          batch.receive(b, 0, b.length);
                          batch.commit();
                        }
                      }
                      default -> store.receive(b);
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : fs) {
        f.get(120, java.util.concurrent.TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    long counted = disk().bytesStored();
    long blobsCounted = disk().blobCount();
    long listed = 0;
    for (BlobInfo info : store.enumerate(Optional.empty(), 100)) {
      assertEquals(info.size(), store.fetch(info.ref()).length);
      listed += info.size();
    }
    assertEquals(listed, counted);
    assertEquals(store.enumerate(Optional.empty(), 100).size(), blobsCounted);
    assertEquals(List.of(), tempFiles());
    assertEquals(Set.of(), disk().corruptRefs());
  }
}
