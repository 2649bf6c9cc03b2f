package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.NoSpaceLeftException;

/** The receive counters a node exports as metrics: written vs deduplicated, every path. */
class BlobStoreStatsTest {
  @TempDir Path root;

  private static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void directReceivesCountWritesAndDedupHits() throws IOException {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      assertEquals(new BlobStoreStats(0, 0, 0, 0), store.stats());
      store.receive(bytes("hello"));
      store.receive(bytes("hello"));
      store.receive(new ByteArrayInputStream(bytes("hello")));
      store.receive(new ByteArrayInputStream(bytes("world!")));
      BlobStoreStats s = store.stats();
      assertEquals(new BlobStoreStats(2, 11, 2, 10), s);
      assertEquals(4, s.blobsReceived());
      assertEquals(21, s.bytesReceived());
    }
  }

  @Test
  void batchesCountNewBlobsAtCommitAndRepeatsAsDedupHits() throws IOException {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      store.receive(bytes("present"));
      try (BlobBatch b = store.newBatch()) {
        b.receive(bytes("present"), 0, 7);
        b.receive(bytes("new one"), 0, 7);
        b.receive(bytes("new one"), 0, 7);
        assertEquals(new BlobStoreStats(1, 7, 2, 14), store.stats());
        b.commit();
      }
      assertEquals(new BlobStoreStats(2, 14, 2, 14), store.stats());
    }
  }

  @Test
  void aRefusedReceiveCountsNothing() throws IOException {
    try (DiskBlobStore store =
        DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withQuotaBytes(4096))) {
      assertThrows(NoSpaceLeftException.class, () -> store.receive(new byte[64 * 1024]));
      assertEquals(new BlobStoreStats(0, 0, 0, 0), store.stats());
    }
  }
}
