package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.hash.Blake3;

/**
 * A real full disk: the store lives on a 2 MiB tmpfs. Needs root to mount; skipped otherwise,
 * unless env {@code CI} is set, where a missing mount fails the test.
 */
class DiskBlobStoreFullDiskTest {
  @TempDir Path dir;
  private Path mount;
  private boolean mounted;
  private DiskBlobStore store;
  private final Random random = new Random(7);

  @BeforeEach
  void mountTmpfs() throws Exception {
    mount = dir.resolve("small");
    Files.createDirectories(mount);
    boolean root = "0".equals(run("id", "-u").trim());
    if (!root && System.getenv("CI") == null) {
      Assumptions.abort("needs root to mount a tmpfs (set CI to make this a failure)");
    }
    String out = run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount.toString());
    mounted = Files.readString(Path.of("/proc/self/mounts")).contains(" " + mount + " tmpfs ");
    if (!mounted) {
      fail("could not mount a tmpfs at " + mount + ": " + out);
    }
    store = DiskBlobStore.open(mount);
  }

  @AfterEach
  void unmount() throws Exception {
    if (store != null) {
      store.close();
    }
    if (mounted) {
      run("umount", mount.toString());
    }
  }

  private static String run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly();
    }
    return out;
  }

  private byte[] randomBytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private List<Path> temps() throws IOException {
    return Tamper.temps(mount);
  }

  private void assertNothingPartial(BlobRef ref) throws IOException {
    assertEquals(List.of(), temps(), "no temp file left behind");
    assertEquals(Optional.empty(), store.stat(ref), "no partial blob under the real name");
  }

  @Test
  void receiveOfBytesOnAFullDisk() throws IOException {
    byte[] big = randomBytes(3 * 1024 * 1024);
    NoSpaceLeftException e = assertThrows(NoSpaceLeftException.class, () -> store.receive(big));
    assertTrue(e.getMessage().startsWith("no space left on device"), e.getMessage());
    assertNothingPartial(Blake3.hash(big));
    // Space came back: a smaller blob still fits.
    byte[] small = randomBytes(100_000);
    assertArrayEquals(small, store.fetch(store.receive(small)));
  }

  @Test
  void streamedReceiveOnAFullDisk() throws IOException {
    byte[] big = randomBytes(3 * 1024 * 1024);
    NoSpaceLeftException e =
        assertThrows(
            NoSpaceLeftException.class, () -> store.receive(new ByteArrayInputStream(big)));
    assertTrue(e.getMessage().contains("no space left"), e.getMessage());
    assertNothingPartial(Blake3.hash(big));
  }

  @Test
  void fillingUpBlobByBlobKeepsEveryStoredBlobWhole() throws IOException {
    int stored = 0;
    BlobRef failed = null;
    long bytes = 0;
    while (failed == null) {
      byte[] b = randomBytes(64 * 1024);
      try {
        store.receive(b);
        stored++;
        bytes += b.length;
      } catch (NoSpaceLeftException e) {
        failed = Blake3.hash(b);
      }
      assertTrue(stored < 1000, "a 2 MiB disk never filled up");
    }
    assertNothingPartial(failed);
    assertEquals(stored, store.enumerate(Optional.empty(), 1000).size());
    assertEquals(bytes, store.bytesStored());
    for (var info : store.enumerate(Optional.empty(), 1000)) {
      store.fetch(info.ref());
    }
  }

  @Test
  void batchOnAFullDiskLeavesNothingAfterClose() throws IOException {
    fillWithABatchThenRecover();
  }

  @Test
  void batchWithWriterThreadsOnAFullDiskLeavesNothingAfterClose() throws IOException {
    store.close();
    store = DiskBlobStore.open(mount, DiskBlobStore.Options.defaults().withBatchWriteThreads(2));
    fillWithABatchThenRecover();
  }

  // ---- storage.min_free: the disk never goes below it, on any write path ----

  private static final long MIN_FREE = 1 << 20;

  private void reopenKeepingFree() throws IOException {
    store.close();
    store = DiskBlobStore.open(mount, DiskBlobStore.Options.defaults().withMinFreeBytes(MIN_FREE));
  }

  private void assertMinFreeHeld(NoSpaceLeftException e) throws IOException {
    assertTrue(e.getMessage().contains("must stay free"), e.getMessage());
    assertEquals(List.of(), temps());
    assertEquals(0, store.unnamedTempsHeld());
    assertTrue(
        store.usableSpace() >= MIN_FREE,
        store.usableSpace() + " bytes free, below the " + MIN_FREE + " kept");
    assertEquals(store.bytesStored() + store.outboardBytes(), store.usedBytes(), "no leaked hold");
  }

  @Test
  void minFreeHoldsForSingleReceives() throws IOException {
    reopenKeepingFree();
    NoSpaceLeftException refused = null;
    for (int i = 0; i < 100 && refused == null; i++) {
      byte[] b = randomBytes(64 * 1024);
      try {
        store.receive(b);
        assertTrue(store.usableSpace() >= MIN_FREE, "went below min_free");
      } catch (NoSpaceLeftException e) {
        refused = e;
        assertNothingPartial(Blake3.hash(b));
      }
    }
    assertMinFreeHeld(refused);
  }

  @Test
  void minFreeHoldsForStreams() throws IOException {
    reopenKeepingFree();
    byte[] big = randomBytes(1536 * 1024);
    NoSpaceLeftException e =
        assertThrows(
            NoSpaceLeftException.class, () -> store.receive(new ByteArrayInputStream(big)));
    assertNothingPartial(Blake3.hash(big));
    assertMinFreeHeld(e);
  }

  @Test
  void minFreeHoldsForBatches() throws IOException {
    reopenKeepingFree();
    try (BlobBatch batch = store.newBatch()) {
      NoSpaceLeftException e =
          assertThrows(
              NoSpaceLeftException.class,
              () -> {
                for (int i = 0; i < 100; i++) {
                  batch.receive(randomBytes(64 * 1024), 0, 64 * 1024);
                  assertTrue(store.usableSpace() >= MIN_FREE, "went below min_free");
                }
              });
      assertTrue(store.usableSpace() >= MIN_FREE);
      batch.close();
      assertMinFreeHeld(e);
    }
    assertEquals(0, store.bytesStored());
  }

  @Test
  void minFreeHoldsForIngests() throws IOException {
    reopenKeepingFree();
    byte[] data = randomBytes(3 << 20);
    NoSpaceLeftException e =
        assertThrows(
            NoSpaceLeftException.class,
            () -> new FileIngester(store).ingest(new ByteArrayInputStream(data)));
    assertMinFreeHeld(e);
    assertEquals(0, store.bytesStored(), "the failed ingest's batch was dropped");
  }

  private void fillWithABatchThenRecover() throws IOException {
    BlobRef last = null;
    try (BlobBatch batch = store.newBatch()) {
      assertThrows(
          NoSpaceLeftException.class,
          () -> {
            // With writer threads the failure may surface at a later receive or at commit.
            for (int i = 0; i < 100; i++) {
              batch.receive(randomBytes(64 * 1024), 0, 64 * 1024);
            }
            batch.commit();
          });
    }
    assertEquals(List.of(), temps());
    assertEquals(0, store.unnamedTempsHeld());
    assertEquals(List.of(), store.enumerate(Optional.empty(), 10));
    assertEquals(0, store.bytesStored());
    // The failed batch's space is free again: half the disk fits.
    byte[] half = randomBytes(1 << 20);
    last = store.receive(half);
    assertArrayEquals(half, store.fetch(last));
  }
}
