package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;
import org.latticefs.cas.testing.Poll;

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
    // A checkpoint right after the receives records both shards as unknown (just changed); a
    // later one, once they settled, must vouch for them although nothing changed since.
    awaitSettledCheckpointAfter(System.currentTimeMillis());
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

  /** Waits (at most 10 s) for a usage checkpoint written after {@code millis}. */
  private void awaitCheckpointAfter(long millis) {
    Poll.until(
        () -> recordTime() > millis,
        Duration.ofSeconds(10),
        () -> "no usage checkpoint after " + millis);
  }

  /** The usage record's modification time in milliseconds, or -1 while there is none. */
  private long recordTime() {
    try {
      return Files.getLastModifiedTime(record()).toMillis();
    } catch (IOException e) {
      return -1;
    }
  }

  /**
   * Waits (at most 10 s) for the usage checkpoints to settle after {@code millis}: the record was
   * written after it and then not rewritten for 500 ms (a checkpoint that could not vouch for a
   * shard yet is followed by another at the next 50 ms flush).
   */
  private void awaitSettledCheckpointAfter(long millis) {
    awaitCheckpointAfter(millis);
    long[] seen = {recordTime(), System.nanoTime()};
    Poll.until(
        () -> {
          long t = recordTime();
          if (t != seen[0]) {
            seen[0] = t;
            seen[1] = System.nanoTime();
          }
          return System.nanoTime() - seen[1] >= Duration.ofMillis(500).toNanos();
        },
        Duration.ofSeconds(10),
        () -> "the usage checkpoints did not settle");
  }

  @Test
  void aTempFileInAShardAtACheckpointIsDeletedByTheOpenAfterACrash() throws Exception {
    DiskBlobStore.open(root).close(); // a store that was closed cleanly once: its access record
    DiskBlobStore s =
        DiskBlobStore.open(
            root,
            DiskBlobStore.Options.defaults()
                .withAccessFlushInterval(java.time.Duration.ofMillis(50))
                .withBatchSyncfs(false)
                .withUnnamedTemps(0));
    Path copy = root.resolveSibling(root.getFileName() + "-crashed");
    try (BlobBatch batch = s.newBatch()) {
      // Uncommitted: its named temp file stays in the blob's shard directory.
      batch.receive(bytes(1000), 0, 1000);
      Poll.until(
          () -> !shardTemps(root).isEmpty(),
          Duration.ofSeconds(10),
          () -> "no temp file in a shard");
      List<Path> temps = shardTemps(root);
      assertEquals(1, temps.size(), "the batch's temp file: " + temps);
      // Another change once the temp's shard settled (its directory time well before now, as
      // after SETTLE_MILLIS), and a checkpoint after it.
      Path shard = temps.get(0).getParent();
      Files.setLastModifiedTime(
          shard, FileTime.fromMillis(System.currentTimeMillis() - 10 * Census.SETTLE_MILLIS));
      s.receive(bytes(2000));
      awaitCheckpointAfter(System.currentTimeMillis());
      // A crash: the store is not closed; the temp file is still there.
      copyTree(root.resolve("cas"), copy.resolve("cas"));
    }
    s.close();
    try (DiskBlobStore again = DiskBlobStore.open(copy)) {
      assertEquals(List.of(), shardTemps(copy), "the temp file's shard was walked");
      assertEquals(2000, again.bytesStored());
    }
  }

  /**
   * The temp files in the directories under the store's {@code cas/} (its shards): not the store's
   * own records (usage, access) beside them, whose atomic rewrites pass through a temp file of
   * their own at every flush (and vanish under a walk).
   */
  private static List<Path> shardTemps(Path root) {
    List<Path> out = new java.util.ArrayList<>();
    try (var top = Files.newDirectoryStream(root.resolve("cas"), p -> Files.isDirectory(p))) {
      for (Path shard : top) {
        try (var files = Files.newDirectoryStream(shard, "*.tmp")) {
          files.forEach(out::add);
        }
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return out;
  }

  /**
   * Copies a store that is still being written, as a crash would leave it: files that vanish while
   * it copies (a record replaced meanwhile) are skipped; directories keep their times.
   */
  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    List<Path> entries;
    try (var s = Files.list(from)) {
      entries = s.toList();
    }
    for (Path p : entries) {
      Path t = to.resolve(p.getFileName().toString());
      try {
        if (Files.isDirectory(p)) {
          copyTree(p, t);
        } else if (!p.getFileName().toString().equals("lock")) {
          Files.copy(p, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      } catch (java.nio.file.NoSuchFileException e) {
        // Replaced or deleted while copying.
      }
    }
    // After its entries, so its time is the original's.
    Files.setLastModifiedTime(to, Files.getLastModifiedTime(from));
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
