package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

class QuarantineTest {
  @TempDir Path root;
  private StoreDirectory dir;
  private SpaceBudget budget;
  private Quarantine quarantine;
  private final List<String> reported = new ArrayList<>();

  @BeforeEach
  void open() throws IOException {
    dir = StoreDirectory.open(root);
    budget = new SpaceBudget(dir.root(), dir.fileStore(), 0, 0);
    quarantine =
        new Quarantine(
            dir, new BlobHandles(0), budget, AccessTracker.inMemory(InstantSource.system()));
    quarantine.addListener((ref, where, detail) -> reported.add(ref + " " + detail));
  }

  @AfterEach
  void close() throws IOException {
    dir.close();
  }

  /** A blob file with the wrong bytes for its name, counted as stored. */
  private BlobRef badBlob(int i) throws IOException {
    BlobRef ref = Blake3.hash(new byte[] {(byte) i});
    Files.write(dir.blobPath(ref), new byte[] {(byte) i, 1});
    budget.reserve(2);
    budget.written(2);
    budget.published(StoreDirectory.shardIndex(ref), 2);
    return ref;
  }

  @Test
  void aBadFileIsMovedAsideKeptReportedAndUncounted() throws IOException {
    BlobRef ref = badBlob(1);
    quarantine.quarantine(ref, BlobFileStat.of(dir.blobPath(ref)), "2 bytes that hash to x");
    assertFalse(Files.exists(dir.blobPath(ref)));
    assertTrue(Files.exists(dir.quarantine().resolve(ref.hex() + ".blob")), "kept, not deleted");
    assertEquals(Set.of(ref), quarantine.refs());
    assertEquals(List.of(ref + " 2 bytes that hash to x"), reported);
    assertEquals(0, budget.blobBytes());
    assertTrue(quarantine.movedAny());
  }

  @Test
  void aFileReplacedSinceItWasFoundBadIsLeftAlone() throws IOException {
    BlobRef ref = badBlob(2);
    BlobFileStat found = BlobFileStat.of(dir.blobPath(ref));
    Path replacement = dir.tmp().resolve("good");
    Files.write(replacement, new byte[] {2});
    Files.move(replacement, dir.blobPath(ref), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    quarantine.quarantine(ref, found, "old file");
    assertTrue(Files.exists(dir.blobPath(ref)));
    assertEquals(Set.of(), quarantine.refs());
    assertEquals(List.of(), reported);
  }

  @Test
  void aRepairDeletesTheCopiesAndTheRefsSurviveARestartUntilThen() throws IOException {
    BlobRef a = badBlob(3);
    BlobRef b = badBlob(4);
    quarantine.quarantine(a, null, "a");
    quarantine.quarantine(b, null, "b");
    close();
    open();
    quarantine.scan();
    assertEquals(Set.of(a, b), quarantine.refs());
    quarantine.repaired(a);
    assertEquals(Set.of(b), quarantine.refs());
    assertFalse(Files.exists(dir.quarantine().resolve(a.hex() + ".blob")));
    // A good copy put in place while closed repairs at the next scan.
    Files.write(dir.blobPath(b), new byte[] {4});
    close();
    open();
    quarantine.scan();
    assertEquals(Set.of(), quarantine.refs());
    try (var left = Files.list(dir.quarantine())) {
      assertEquals(0, left.count());
    }
  }
}
