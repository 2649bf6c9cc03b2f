package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttributeView;
import java.nio.file.attribute.FileStoreAttributeView;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.NoSpaceLeftException;

class SpaceBudgetTest {
  /** A disk whose free space the test sets; 4 KiB blocks. */
  static final class FakeDisk extends FileStore {
    long free = 1 << 20;

    @Override
    public String name() {
      return "fake";
    }

    @Override
    public String type() {
      return "fake";
    }

    @Override
    public boolean isReadOnly() {
      return false;
    }

    @Override
    public long getTotalSpace() {
      return 1 << 30;
    }

    @Override
    public long getUsableSpace() {
      return free;
    }

    @Override
    public long getUnallocatedSpace() {
      return free;
    }

    @Override
    public long getBlockSize() {
      return 4096;
    }

    @Override
    public boolean supportsFileAttributeView(Class<? extends FileAttributeView> type) {
      return false;
    }

    @Override
    public boolean supportsFileAttributeView(String name) {
      return false;
    }

    @Override
    public <V extends FileStoreAttributeView> V getFileStoreAttributeView(Class<V> type) {
      return null;
    }

    @Override
    public Object getAttribute(String attribute) {
      return null;
    }
  }

  private final FakeDisk disk = new FakeDisk();

  private SpaceBudget budget(long quota, long minFree) throws IOException {
    return new SpaceBudget(Path.of("/store"), disk, quota, minFree);
  }

  @Test
  void everyReservationEndsOnceAndTheCountsFollow() throws IOException {
    SpaceBudget b = budget(0, 0);
    b.reserve(100);
    b.written(100);
    b.published(0, 100);
    b.reserve(50);
    b.cancel(50);
    b.reserve(30);
    b.written(30);
    b.release(30);
    b.reserve(7);
    b.written(7);
    b.savedOutboard(0, 7);
    assertEquals(0, b.reservedBytes());
    assertEquals(new Census.Counts(100, 1, 7, 1), b.counts());
    assertEquals(107, b.usedBytes());
    b.removed(0, 100);
    b.deletedOutboard(0, 7);
    assertEquals(new Census.Counts(0, 0, 0, 0), b.counts());
  }

  @Test
  void theQuotaCountsStoredOutboardsAndReservedBytes() throws IOException {
    SpaceBudget b = budget(1000, 0);
    b.reserve(600);
    b.written(600);
    b.published(0, 600);
    b.reserve(300);
    NoSpaceLeftException e = assertThrows(NoSpaceLeftException.class, () -> b.reserve(101));
    assertTrue(
        e.getMessage().contains("quota of 1000 bytes (600 stored, 300 being written)"),
        e.getMessage());
    b.reserve(100);
    assertEquals(1000, b.usedBytes());
    b.release(300);
    b.reserve(300);
  }

  @Test
  void minFreeCountsWhatOthersHaveReservedAndNotWrittenYet() throws IOException {
    disk.free = 100 * 4096;
    SpaceBudget b = budget(0, 50 * 4096);
    b.reserve(30 * 4096);
    // The first write is not on the disk yet: free space is still 100 blocks, 30 are promised.
    NoSpaceLeftException e = assertThrows(NoSpaceLeftException.class, () -> b.reserve(21 * 4096));
    assertTrue(e.getMessage().contains("must stay free"), e.getMessage());
    b.reserve(20 * 4096);
    // Written: it shows in the disk's free space instead.
    b.written(30 * 4096);
    disk.free -= 30 * 4096;
    assertThrows(NoSpaceLeftException.class, () -> b.reserve(1));
    b.written(20 * 4096);
    disk.free -= 20 * 4096;
    b.release(20 * 4096);
    disk.free += 20 * 4096;
    b.reserve(20 * 4096 - 100);
  }

  @Test
  void sizesOnTheDiskAreWholeBlocks() throws IOException {
    disk.free = 10 * 4096;
    SpaceBudget b = budget(0, 9 * 4096);
    assertThrows(NoSpaceLeftException.class, () -> b.reserve(4097), "two blocks");
    b.reserve(1);
  }

  @Test
  void theDisksOwnNoSpaceBecomesNoSpaceLeftSayingWhatWasFree() throws IOException {
    SpaceBudget b = budget(0, 0);
    IOException e = b.translate(new IOException("write: No space left on device"), 5000);
    assertTrue(e instanceof NoSpaceLeftException, e.toString());
    assertTrue(e.getMessage().contains("5000 bytes"), e.getMessage());
    IOException other = new IOException("EIO");
    assertEquals(other, b.translate(other, 1));
    assertThrows(IllegalStateException.class, () -> b.translate(new IllegalStateException(), 1));
  }
}
