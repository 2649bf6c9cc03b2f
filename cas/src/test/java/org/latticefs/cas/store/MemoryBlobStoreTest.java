package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.BlobStore;
import org.latticefs.cas.CorruptBlobException;

class MemoryBlobStoreTest extends BlobStoreContract {
  @Override
  protected BlobStore newStore() {
    return MemoryBlobStore.strict();
  }

  private MemoryBlobStore memory() {
    return (MemoryBlobStore) store;
  }

  @Test
  void failNextFetchesThenRecovers() throws IOException {
    byte[] data = randomBytes(10);
    BlobRef ref = store.receive(data);
    IOException boom = new IOException("disk on fire");
    memory().failNextFetches(2, boom);
    assertSame(boom, assertThrows(IOException.class, () -> store.fetch(ref)));
    assertSame(boom, assertThrows(IOException.class, () -> store.fetch(ref)));
    assertArrayEquals(data, store.fetch(ref));
    assertEquals(3, memory().fetchCount());
  }

  @Test
  void failNextReceivesStoresNothing() throws IOException {
    byte[] data = randomBytes(10);
    memory().failNextReceives(1, new IOException("full"));
    assertThrows(IOException.class, () -> store.receive(data));
    assertEquals(0, memory().size());
    store.receive(data);
    assertEquals(1, memory().size());
    assertEquals(2, memory().receiveCount());
  }

  @Test
  void failedCommitKeepsBlobsOut() throws IOException {
    byte[] data = randomBytes(10);
    memory().failNextCommits(1, new IOException("sync failed"));
    try (BlobBatch batch = store.newBatch()) {
      BlobRef ref = batch.receive(data, 0, data.length);
      assertThrows(IOException.class, batch::commit);
      assertEquals(Optional.empty(), store.stat(ref));
      batch.commit();
      assertArrayEquals(data, store.fetch(ref));
    }
  }

  @Test
  void corruptMakesFetchThrowAndRepairFixesIt() throws IOException {
    byte[] data = randomBytes(100);
    BlobRef ref = store.receive(data);
    memory().corrupt(ref);
    CorruptBlobException e = assertThrows(CorruptBlobException.class, () -> store.fetch(ref));
    assertEquals(ref, e.ref());
    assertEquals(Set.of(ref), memory().corruptRefs());
    store.receive(data);
    assertArrayEquals(data, store.fetch(ref));
    assertTrue(memory().corruptRefs().isEmpty());
  }

  @Test
  void corruptEmptyBlob() throws IOException {
    BlobRef ref = store.receive(new byte[0]);
    memory().corrupt(ref);
    assertThrows(CorruptBlobException.class, () -> store.fetch(ref));
  }

  @Test
  void strictStoreReportsLeakedBatch() throws IOException {
    MemoryBlobStore s = MemoryBlobStore.strict();
    BlobBatch leaked = s.newBatch();
    assertEquals(1, s.openBatches());
    IllegalStateException e = assertThrows(IllegalStateException.class, s::close);
    assertTrue(e.getMessage().contains("1 blob batch"));
    leaked.close();
  }

  @Test
  void closedStoreRejectsCalls() throws IOException {
    MemoryBlobStore s = new MemoryBlobStore();
    s.close();
    assertThrows(IOException.class, () -> s.receive(new byte[1]));
  }
}
