package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;

class CensusTest {
  @TempDir Path root;
  private final Random random = new Random(9);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private Path record() {
    return root.resolve("cas/usage");
  }

  /** A blob file put in place behind the store's back: only a walk would count it. */
  private void sneakIn(int size) throws IOException {
    byte[] b = bytes(size);
    BlobRef ref = Blake3.hash(b);
    Path p = root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
    Files.write(p, b);
  }

  @Test
  void aCleanCloseLeavesARecordThatTheNextOpenUsesInsteadOfWalking() throws IOException {
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      s.receive(bytes(1000));
      s.receive(bytes(2000));
    }
    assertTrue(Files.exists(record()));
    sneakIn(500);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(3000, s.bytesStored(), "counted from the record, not by visiting blobs");
      assertEquals(2, s.blobCount());
      assertFalse(Files.exists(record()), "gone while open: a crash now leaves none");
    }
  }

  @Test
  void withoutARecordTheOpenWalksAndCountsEveryBlob() throws IOException {
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      s.receive(bytes(1000));
    }
    Files.delete(record());
    sneakIn(500);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(1500, s.bytesStored());
      assertEquals(2, s.blobCount());
    }
  }

  @Test
  void aDamagedRecordIsNeverTrusted() throws IOException {
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      s.receive(bytes(1000));
    }
    byte[] r = Files.readAllBytes(record());
    r[10] ^= 1;
    Files.write(record(), r);
    sneakIn(500);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(1500, s.bytesStored(), "walked");
    }
    Files.write(record(), new byte[3]);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(1500, s.bytesStored());
    }
  }

  @Test
  void aBatchLeftOpenAtCloseLeavesNoRecord() throws IOException {
    DiskBlobStore s = DiskBlobStore.open(root);
    BlobBatch batch = s.newBatch();
    batch.receive(bytes(100), 0, 100);
    s.close();
    batch.close();
    assertFalse(Files.exists(record()));
  }

  @Test
  void damageFoundWhileOpenMakesTheNextOpenCountAgain() throws IOException {
    byte[] data = bytes(10_000);
    BlobRef ref;
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      ref = s.receive(data);
      Path file =
          root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
      Files.write(file, new byte[10]);
      s.receive(data);
    }
    assertFalse(Files.exists(record()));
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(10_000, s.bytesStored());
    }
  }

  @Test
  void savedOutboardsAreCountedByTheRecordAndByTheWalk() throws IOException {
    Assumptions.assumeTrue(Outboard.isAvailable(), "outboards need the native BLAKE3");
    long outboards;
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      BlobRef big = s.receive(bytes(8 * Outboard.GROUP_SIZE));
      s.fetchRange(big, 0, 10);
      outboards = s.outboardBytes();
      assertTrue(outboards > 0);
    }
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(outboards, s.outboardBytes());
    }
    Files.delete(record());
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(outboards, s.outboardBytes());
      assertEquals(s.bytesStored() + outboards, s.usedBytes());
    }
  }
}
