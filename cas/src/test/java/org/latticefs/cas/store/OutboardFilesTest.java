package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Outboard;

class OutboardFilesTest {
  @TempDir Path dir;
  private Outboard outboard;
  private Path blobFile;

  @BeforeEach
  void blob() throws IOException {
    Assumptions.assumeTrue(Outboard.isAvailable(), "outboards need the native BLAKE3");
    byte[] data = new byte[5 * Outboard.GROUP_SIZE + 17];
    new Random(1).nextBytes(data);
    outboard = Outboard.compute(data, 0, data.length);
    blobFile = Files.write(dir.resolve("blob"), data);
    // As the store's StoreDirectory makes it.
    Files.createDirectory(dir.resolve("outboards"));
  }

  private SpaceBudget budget(long quota) throws IOException {
    return new SpaceBudget(dir, Files.getFileStore(dir), quota, 0);
  }

  @Test
  void savedLoadedCountedAndDeleted() throws IOException {
    SpaceBudget budget = budget(0);
    OutboardFiles files = new OutboardFiles(dir.resolve("outboards"), budget);
    BlobRef ref = outboard.ref();
    assertNull(files.load(ref, blobFile), "nothing saved yet");
    files.save(outboard);
    files.save(outboard);
    long size = Files.size(files.path(ref));
    assertEquals(size, budget.outboardBytes(), "counted once");
    assertEquals(0, budget.reservedBytes());
    assertEquals(outboard.size(), files.load(ref, blobFile).size());
    assertEquals(1, files.loads());
    files.delete(ref);
    assertFalse(Files.exists(files.path(ref)));
    assertEquals(0, budget.outboardBytes());
  }

  @Test
  void aDamagedOrMismatchedSavedOutboardIsDroppedNeverTrusted() throws IOException {
    SpaceBudget budget = budget(0);
    OutboardFiles files = new OutboardFiles(dir.resolve("outboards"), budget);
    BlobRef ref = outboard.ref();
    files.save(outboard);
    Tamper.flipByte(files.path(ref), 40);
    assertNull(files.load(ref, blobFile));
    assertFalse(Files.exists(files.path(ref)), "deleted, to be computed again");
    assertEquals(0, budget.outboardBytes());
    files.save(outboard);
    Files.write(blobFile, new byte[] {1}, java.nio.file.StandardOpenOption.APPEND);
    assertNull(files.load(ref, blobFile), "describes another size than the blob file's");
  }

  @Test
  void anOutboardThatDoesNotFitTheQuotaIsNotSaved() throws IOException {
    SpaceBudget budget = budget(10);
    OutboardFiles files = new OutboardFiles(dir.resolve("outboards"), budget);
    files.save(outboard);
    assertFalse(Files.exists(files.path(outboard.ref())));
    assertEquals(0, budget.usedBytes());
    assertTrue(files.saves() == 0);
  }
}
