package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.Errno;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.store.DiskStores;

/**
 * A store whose log kv refuses (a byte flipped inside its acknowledged part) is absent from the
 * mount root, found when the filesystem starts (it opens every store), while the other stores work.
 */
class DamagedStoreTest {
  @TempDir Path dir;

  @Test
  void aDamagedStoreIsLeftOutOfTheRootAndTheRestWorks() throws IOException {
    Path kv = dir.resolve("kv");
    UUID bad;
    byte[] data = FsFixture.random(3000, 1); // inline: each fixture has its own blob store
    String node;
    try (FsFixture f = new FsFixture(dir.resolve("staging"), c -> c, DiskStores.open(kv))) {
      f.fs.mkdir("/good", 0755, ME);
      f.fs.mkdir("/bad", 0755, ME);
      f.put("/good/a", data);
      f.put("/bad/b", data);
      bad = f.id("bad");
      node = HexFormat.of().formatHex(f.stores.nodeId().publicKey());
    }
    Path log = kv.resolve("stores").resolve(bad.toString()).resolve("logs").resolve(node + ".log");
    flipInFirstEntry(log);
    try (FsFixture f = new FsFixture(dir.resolve("staging"), c -> c, DiskStores.open(kv))) {
      // Found at start, before anything looked at the folder.
      List<StoreDamage> damaged = f.stores.damaged();
      assertEquals(1, damaged.size(), damaged.toString());
      assertEquals(bad, damaged.get(0).storeId());
      assertEquals(log, damaged.get(0).file());
      assertTrue(damaged.get(0).describe().startsWith("damaged " + log + ": "));
      assertEquals(List.of("good"), f.fs.list("/"));
      FsFixture.assertErrno(Errno.ENOENT, () -> f.fs.getattr("/bad"));
      FsFixture.assertErrno(Errno.ENOENT, () -> f.fs.getattr("/bad/b"));
      assertArrayEquals(data, f.get("/good/a"));
      f.put("/good/c", data);
      assertArrayEquals(data, f.get("/good/c"));
    }
  }

  /** Flips a byte in the middle of the log's first entry (SigChainLog: 56-byte header). */
  static void flipInFirstEntry(Path log) throws IOException {
    try (FileChannel ch =
        FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      long at = 56 + 60;
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ 0x01));
      b.rewind();
      ch.write(b, at);
    }
  }
}
