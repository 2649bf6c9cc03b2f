package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.InstantSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;

class StoreFlushTest {
  @TempDir Path root;
  private StoreDirectory dir;
  private SpaceBudget budget;
  private AccessTracker access;
  private StoreFlush flush;

  @BeforeEach
  void open() throws IOException {
    dir = StoreDirectory.open(root);
    budget = new SpaceBudget(dir.root(), dir.fileStore(), 0, 0);
    access = AccessTracker.open(dir.file("access"), InstantSource.system());
    BlobHandles handles = new BlobHandles(0);
    flush =
        new StoreFlush(
            dir,
            budget,
            access,
            new OutboardFiles(dir.outboards(), budget),
            new Quarantine(dir, handles, budget, access));
  }

  @AfterEach
  void close() throws IOException {
    access.close();
    dir.close();
  }

  @Test
  void aRunFlushesAccessTimesAndRecordsUsageOnlyWhenItChanged() throws IOException {
    Path record = dir.file("usage");
    Path journal = dir.file("access.log");
    // Directories changed just before a checkpoint leave it provisional (see Census): age them.
    FileTime anHourAgo = FileTime.fromMillis(System.currentTimeMillis() - 3_600_000);
    for (int i = 0; i < Census.SHARDS; i++) {
      Files.setLastModifiedTime(dir.shard(i), anHourAgo);
    }
    flush.periodic();
    assertTrue(Files.exists(record), "the first run records the counts");
    assertFalse(Files.exists(journal), "no access to flush");
    byte[] first = Files.readAllBytes(record);
    Files.delete(record);

    flush.periodic();
    assertFalse(Files.exists(record), "nothing changed: no new record");

    access.touch(new BlobRef(new byte[32]));
    budget.reserve(10);
    budget.written(10);
    budget.published(3, 10);
    flush.periodic();
    assertTrue(Files.exists(journal), "the touch is journalled");
    assertTrue(Files.exists(record), "the counts changed: recorded again");
    assertFalse(
        java.util.Arrays.equals(first, Files.readAllBytes(record)), "the new counts are in it");
  }

  @Test
  void aSettledCheckpointRecordsEveryShardItsCountsShowNone() throws IOException {
    flush.checkpointUsage(true);
    Census.Taken taken = Census.take(dir, access);
    assertEquals(0, taken.walked(), "a settled record vouches for every shard");
  }
}
