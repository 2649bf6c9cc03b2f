package org.latticefs.bench.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.store.DiskBlobStore;

/** The generator writes what the store itself would: its records agree with a walk of the blobs. */
class GeneratedStoreTest {
  @TempDir Path dir;

  @Test
  void aGeneratedStoreWithFilesOpensFromItsRecordsAndAWalkAgrees() throws IOException {
    GeneratedStore.Written w = GeneratedStore.write(dir, 3000, 100, true, 7);
    assertEquals(new GeneratedStore.Written(3000, 300_000, 8 + 3000 * 12 + 4), w);
    try (DiskBlobStore s = DiskBlobStore.open(dir)) {
      assertEquals(3000, s.blobCount());
      assertEquals(300_000, s.bytesStored());
      assertEquals(3000, s.accessTracker().size(), "the snapshot was read, not set aside");
      List<BlobInfo> some = s.enumerate(Optional.empty(), 50);
      assertEquals(50, some.size());
      for (BlobInfo b : some) {
        assertTrue(s.accessTracker().lastAccess(b.ref()).isPresent());
        assertEquals(100, s.fetch(b.ref()).length, "a real blob under its hash");
      }
    }
    // Without the usage record the open walks every shard: the same counts.
    Files.delete(dir.resolve("cas/usage"));
    try (DiskBlobStore s = DiskBlobStore.open(dir)) {
      assertEquals(3000, s.blobCount());
      assertEquals(300_000, s.bytesStored());
    }
  }

  @Test
  void withoutFilesOnlyTheRecordsSpeakForTheBlobs() throws IOException {
    GeneratedStore.Written w = GeneratedStore.write(dir, 1000, 4096, false, 7);
    try (DiskBlobStore s = DiskBlobStore.open(dir)) {
      assertEquals(w.blobs(), s.blobCount());
      assertEquals(w.blobBytes(), s.bytesStored());
      assertEquals(1000, s.accessTracker().size());
      assertEquals(List.of(), s.enumerate(Optional.empty(), 10));
    }
  }
}
