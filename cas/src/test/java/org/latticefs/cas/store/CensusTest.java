package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
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

  /**
   * A blob file put in place behind the store's back, its shard directory's time then set back to
   * what it was: only a walk of that shard would count it.
   */
  private void sneakIn(int size) throws IOException {
    byte[] b = bytes(size);
    BlobRef ref = Blake3.hash(b);
    Path shard = root.resolve("cas").resolve(ref.hex().substring(0, 2));
    FileTime was = Files.getLastModifiedTime(shard);
    Files.write(shard.resolve(ref.hex() + ".blob"), b);
    Files.setLastModifiedTime(shard, was);
  }

  /** A blob file put in place behind the store's back, changing its directory's time. */
  private void dropIn(int size) throws IOException {
    byte[] b = bytes(size);
    BlobRef ref = Blake3.hash(b);
    Files.write(
        root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob"), b);
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
    }
  }

  @Test
  void aShardChangedSinceTheRecordIsWalkedAndTheOthersAreNot() throws IOException {
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      s.receive(bytes(1000));
    }
    sneakIn(300);
    dropIn(500);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      long walked = 1500;
      long both = 1800;
      assertTrue(
          s.bytesStored() == walked || s.bytesStored() == both,
          "the changed shard is counted (the sneaked-in one only if it shares it): "
              + s.bytesStored());
    }
  }

  @Test
  void afterACrashOnlyShardsChangedSinceTheLastCheckpointAreWalked() throws Exception {
    java.time.Duration flush = java.time.Duration.ofMillis(50);
    DiskBlobStore.open(root).close(); // a store that was closed cleanly once: its access record
    DiskBlobStore s =
        DiskBlobStore.open(root, DiskBlobStore.Options.defaults().withAccessFlushInterval(flush));
    s.receive(bytes(1000));
    s.receive(bytes(2000));
    // Wait for a checkpoint that vouches for both shards (each settled for 100 ms).
    Thread.sleep(Census.SETTLE_MILLIS + 50);
    long before = Files.getLastModifiedTime(record()).toMillis();
    for (int i = 0; i < 200 && Files.getLastModifiedTime(record()).toMillis() == before; i++) {
      Thread.sleep(20);
    }
    Census.Taken snapshot;
    // A crash: the store is not closed; its lock dies with its directory handle.
    s.receive(bytes(700));
    Path copy = root.resolveSibling(root.getFileName() + "-crashed");
    copyTree(root.resolve("cas"), copy.resolve("cas"));
    s.close();
    try (StoreDirectory d = StoreDirectory.open(copy)) {
      snapshot = Census.take(d, AccessTracker.open(d.file("access"), java.time.Clock.systemUTC()));
    }
    assertTrue(snapshot.walked() <= 2, "walked " + snapshot.walked() + " of 512 shards");
    assertEquals(3700, snapshot.tally().totals().blobBytes());
    try (DiskBlobStore again = DiskBlobStore.open(copy)) {
      assertEquals(3700, again.bytesStored());
      assertEquals(3, again.blobCount());
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (var s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path t = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(t);
        } else if (!p.getFileName().toString().equals("lock")) {
          Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
      // Directories last, so their times are the originals'.
      try (var s2 = Files.walk(from)) {
        for (Path p : s2.toList()) {
          if (Files.isDirectory(p)) {
            Files.setLastModifiedTime(
                to.resolve(from.relativize(p).toString()), Files.getLastModifiedTime(p));
          }
        }
      }
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
    sneakIn(200);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(1700, s.bytesStored());
    }
  }

  @Test
  void damageFoundWhileOpenMakesTheNextOpenCountItsShardAgain() throws IOException {
    byte[] data = bytes(10_000);
    BlobRef ref;
    Path file;
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      ref = s.receive(data);
      file = root.resolve("cas").resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
      Files.write(file, new byte[10]);
      s.receive(data);
    }
    // Changed in place behind the store's back: the directory's time does not show it.
    FileTime was = Files.getLastModifiedTime(file.getParent());
    Files.write(file, new byte[20_000]);
    Files.setLastModifiedTime(file.getParent(), was);
    try (DiskBlobStore s = DiskBlobStore.open(root)) {
      assertEquals(20_000, s.bytesStored(), "the damaged shard is walked");
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
