package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.SpaceProvider.Space;

class QuotaSpaceTest {
  @TempDir Path dir;

  @Test
  void quotaBoundsTotalAndFreeShrinksWithStoredBlobs() throws Exception {
    try (DiskBlobStore blobs = DiskBlobStore.open(dir)) {
      QuotaSpace q = new QuotaSpace(blobs, 1 << 20, 0);
      assertEquals(new Space(1 << 20, 1 << 20), q.space());
      blobs.receive(new byte[1000]);
      assertEquals(new Space(1 << 20, (1 << 20) - 1000), q.space());
    }
  }

  @Test
  void noQuotaMeansTheDiskAndMinFreeIsKeptBack() throws Exception {
    try (DiskBlobStore blobs = DiskBlobStore.open(dir)) {
      Space disk = new QuotaSpace(blobs, 0, 0).space();
      assertEquals(blobs.totalSpace(), disk.totalBytes());
      assertTrue(disk.freeBytes() > 0);
      assertEquals(0, new QuotaSpace(blobs, 0, Long.MAX_VALUE / 2).space().freeBytes());
      assertEquals(0, new QuotaSpace(blobs, 1 << 30, Long.MAX_VALUE / 2).space().freeBytes());
    }
  }

  @Test
  void usedIsWhatLatticeHoldsNotTheDisksUsedSpace() throws Exception {
    try (DiskBlobStore blobs = DiskBlobStore.open(dir)) {
      blobs.receive(new byte[5000]);
      Space disk = new QuotaSpace(blobs, 0, 0).space();
      assertEquals(blobs.bytesStored(), disk.usedBytes(), "df's Used without a quota: the blobs");
      assertTrue(disk.usedBytes() < blobs.totalSpace() - blobs.usableSpace(), "not the disk's");
      Space quota = new QuotaSpace(blobs, 1 << 20, 0).space();
      assertEquals(blobs.bytesStored(), quota.usedBytes(), "with a quota: the usage against it");
      assertEquals((1 << 20) - blobs.bytesStored(), quota.freeBytes());
    }
  }
}
