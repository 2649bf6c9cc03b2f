package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.NoSpaceLeftException;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestSession;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;

/**
 * {@code storage.quota} is checked before a byte is written, on every write path: single receives,
 * streams, batches (also several at once), ingests and ingest sessions, and saved outboards, which
 * count toward it.
 */
class DiskBlobStoreQuotaTest {
  private static final long QUOTA = 1 << 20;

  @TempDir Path root;
  private DiskBlobStore store;
  private final Random random = new Random(17);

  private DiskBlobStore open(long quota) throws IOException {
    store = DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withQuotaBytes(quota));
    return store;
  }

  @AfterEach
  void close() throws IOException {
    if (store != null) {
      store.close();
    }
  }

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private List<Path> temps() throws IOException {
    return Tamper.temps(root);
  }

  /** Nothing half-done is left, and what is stored is within the quota and counted exactly. */
  private void assertWithinQuotaAndClean() throws IOException {
    assertEquals(List.of(), temps());
    assertEquals(0, store.unnamedTempsHeld());
    assertTrue(store.usedBytes() <= QUOTA, store.usedBytes() + " used");
    long sum = 0;
    for (var info : store.enumerate(Optional.empty(), 10_000)) {
      sum += info.size();
    }
    assertEquals(sum, store.bytesStored());
    assertEquals(store.bytesStored() + store.outboardBytes(), store.usedBytes(), "no leaked hold");
  }

  @Test
  void aReceivePastTheQuotaFailsBeforeWritingAndStoresNothing() throws IOException {
    open(QUOTA);
    store.receive(bytes(400_000));
    store.receive(bytes(400_000));
    byte[] third = bytes(400_000);
    NoSpaceLeftException e = assertThrows(NoSpaceLeftException.class, () -> store.receive(third));
    assertTrue(e.getMessage().contains("quota of " + QUOTA), e.getMessage());
    assertEquals(Optional.empty(), store.stat(Blake3.hash(third)));
    assertEquals(800_000, store.bytesStored());
    assertWithinQuotaAndClean();
    // What fits still does; content already stored costs nothing.
    store.receive(bytes(200_000));
    store.receive(bytes(0));
  }

  @Test
  void aStreamPastTheQuotaFailsWithNothingLeft() throws IOException {
    open(QUOTA);
    byte[] big = bytes((int) QUOTA + 1);
    assertThrows(NoSpaceLeftException.class, () -> store.receive(new ByteArrayInputStream(big)));
    assertEquals(0, store.bytesStored());
    assertWithinQuotaAndClean();
    byte[] fits = bytes((int) QUOTA);
    assertArrayEquals(fits, store.fetch(store.receive(new ByteArrayInputStream(fits))));
  }

  @Test
  void aBatchHoldsItsRoomFromReceiveToCommitAndConcurrentBatchesCannotOvershootTogether()
      throws IOException {
    open(QUOTA);
    try (BlobBatch a = store.newBatch();
        BlobBatch b = store.newBatch()) {
      a.receive(bytes(600_000), 0, 600_000);
      assertEquals(600_000, store.usedBytes(), "held before the commit");
      byte[] more = bytes(600_000);
      assertThrows(NoSpaceLeftException.class, () -> b.receive(more, 0, more.length));
      a.commit();
      assertEquals(600_000, store.bytesStored());
    }
    try (BlobBatch c = store.newBatch()) {
      c.receive(bytes(300_000), 0, 300_000);
      // Closed without commit: its room is free again.
    }
    assertEquals(600_000, store.usedBytes());
    assertWithinQuotaAndClean();
  }

  @Test
  void batchWriterThreadsReportTheQuotaAtALaterReceiveOrTheCommit() throws IOException {
    store =
        DiskBlobStore.open(
            root, DiskBlobStore.Options.defaults().withQuotaBytes(QUOTA).withBatchWriteThreads(2));
    try (BlobBatch batch = store.newBatch()) {
      assertThrows(
          NoSpaceLeftException.class,
          () -> {
            for (int i = 0; i < 30; i++) {
              batch.receive(bytes(100_000), 0, 100_000);
            }
            batch.commit();
          });
    }
    assertEquals(0, store.bytesStored());
    assertWithinQuotaAndClean();
  }

  /** The trial's 200 MB dd against a 50 MB quota, scaled down: an ingest stops at the quota. */
  @Test
  void anIngestLargerThanTheQuotaFailsAndNeverStoresPastIt() throws IOException {
    open(QUOTA);
    Path f = root.resolve("big.bin");
    Files.write(f, bytes(4 * (int) QUOTA));
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.READ)) {
      assertThrows(NoSpaceLeftException.class, () -> new FileIngester(store).ingest(ch));
    }
    assertWithinQuotaAndClean();
  }

  @Test
  void anIngestSessionLargerThanTheQuotaFails() throws Exception {
    open(QUOTA);
    Path f = root.resolve("session.bin");
    byte[] data = bytes(3 * (int) QUOTA);
    try (FileChannel ch =
        FileChannel.open(
            f, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      IngestSession s = new FileIngester(store).startSession(ch);
      ch.write(ByteBuffer.wrap(data), 0);
      s.advance(data.length);
      assertThrows(IOException.class, () -> s.finish(data.length));
      s.ended().toCompletableFuture().handle((r, e) -> null).join();
    }
    assertWithinQuotaAndClean();
  }

  @Test
  void savedOutboardsCountTowardTheQuotaAndAreSkippedWhenItIsFull() throws IOException {
    Assumptions.assumeTrue(Outboard.isAvailable(), "outboards need the native BLAKE3");
    open(QUOTA);
    BlobRef big = store.receive(bytes(32 * Outboard.GROUP_SIZE));
    store.fetchRange(big, 100, 10);
    long outboard = store.outboardBytes();
    assertTrue(outboard > 0, "saved");
    assertEquals(store.bytesStored() + outboard, store.usedBytes());
    assertTrue(store.remove(big));
    assertEquals(0, store.outboardBytes(), "deleted with its blob");

    // Fill the quota to the byte, then range-read a blob: served, its outboard not saved.
    BlobRef other = store.receive(bytes(32 * Outboard.GROUP_SIZE));
    store.receive(bytes((int) (QUOTA - store.usedBytes())));
    assertEquals(QUOTA, store.usedBytes());
    store.close();
    store = DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withQuotaBytes(QUOTA));
    assertEquals(10, store.fetchRange(other, 5, 10).length);
    assertEquals(0, store.outboardBytes());
    assertWithinQuotaAndClean();
  }
}
