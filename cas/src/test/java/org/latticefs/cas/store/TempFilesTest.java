package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

/** Named temp files ({@link TempFiles}) and unnamed ones ({@link UnnamedTemps}). */
class TempFilesTest {
  @TempDir Path root;
  private StoreDirectory dir;
  private SpaceBudget budget;

  @BeforeEach
  void open() throws IOException {
    dir = StoreDirectory.open(root);
    budget = new SpaceBudget(dir.root(), dir.fileStore(), 0, 0);
  }

  @AfterEach
  void close() throws IOException {
    dir.close();
  }

  @Test
  void aKnownBlobsTempIsInItsShardOwnerOnlyAndNeverItsName() throws IOException {
    TempFiles temps = new TempFiles(dir, budget);
    byte[] data = {1, 2, 3, 4, 5};
    BlobRef ref = Blake3.hash(data);
    for (boolean sync : new boolean[] {true, false}) {
      Path t = temps.write(ref, data, 1, 3, sync);
      assertEquals(dir.shard(StoreDirectory.shardIndex(ref)), t.getParent());
      assertTrue(t.getFileName().toString().startsWith(ref.hex() + "."));
      assertTrue(TempFiles.isTemp(t.getFileName().toString()));
      assertArrayEquals(new byte[] {2, 3, 4}, Files.readAllBytes(t));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(t)));
      Files.delete(t);
    }
  }

  @Test
  void leftoversInTmpAreDeletedAtOpen() throws IOException {
    TempFiles temps = new TempFiles(dir, budget);
    temps.newStreamTemp();
    Files.write(dir.tmp().resolve("b123.tmp"), new byte[10]);
    // What a crash leaves of a record being replaced (AtomicFile) in the store's root.
    Files.write(dir.file(".usage.3f2ac41c37b366c1.tmp"), new byte[10]);
    Files.write(dir.file(".trusted.12.tmp"), new byte[10]);
    temps.cleanTmpDir();
    assertEquals(List.of(), Tamper.temps(root));
  }

  @Test
  void anUnnamedTempIsInNoDirectoryUntilNamedAndSettlesItsReservationOnce() throws IOException {
    UnnamedTemps unnamed = new UnnamedTemps(dir.tmp(), 2, budget);
    Assumptions.assumeTrue(unnamed.enabled(), "needs O_TMPFILE");
    byte[] data = {9, 8, 7};
    BlobRef ref = Blake3.hash(data);
    budget.reserve(3);
    Temp t = unnamed.write(data, 0, 3);
    assertNotNull(t);
    budget.written(3);
    assertEquals(1, unnamed.held());
    try (var entries = Files.list(dir.tmp())) {
      assertEquals(0, entries.count(), "no name anywhere");
    }
    t.publishAs(dir.blobPath(ref));
    assertArrayEquals(data, Files.readAllBytes(dir.blobPath(ref)));
    assertEquals(0, unnamed.held());
    assertEquals(3, budget.blobBytes());
    t.discard();
    assertEquals(0, budget.reservedBytes(), "settled once, as published");
    assertThrows(java.nio.file.NoSuchFileException.class, () -> t.publishAs(dir.blobPath(ref)));
  }

  @Test
  void unnamedTempsAreBoundedAndDroppedWhenTheStoreCloses() throws IOException {
    UnnamedTemps unnamed = new UnnamedTemps(dir.tmp(), 2, budget);
    Assumptions.assumeTrue(unnamed.enabled(), "needs O_TMPFILE");
    for (int i = 0; i < 2; i++) {
      budget.reserve(1);
      assertNotNull(unnamed.write(new byte[] {(byte) i}, 0, 1));
      budget.written(1);
    }
    assertEquals(null, unnamed.write(new byte[] {3}, 0, 1), "past its budget: none");
    unnamed.discardAll();
    assertEquals(0, unnamed.held());
    assertEquals(0, budget.reservedBytes(), "released");
    assertEquals(false, new UnnamedTemps(dir.tmp(), 0, budget).enabled(), "0 turns them off");
  }
}
