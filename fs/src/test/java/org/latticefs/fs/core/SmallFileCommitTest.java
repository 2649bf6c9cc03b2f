package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.inode.Inode;

/**
 * A small file's close commits its bytes inside its inode's log entry (up to {@link
 * Inode#MAX_INLINE}, 64 KiB): no blob written, nothing of the blob store to sync, and the content
 * still there after the stores are closed and opened again. One byte more goes to cas as before.
 */
class SmallFileCommitTest {
  @TempDir Path dir;

  @Test
  void aFileOf64KiBIsCommittedInItsInodeWithoutABlob() throws Exception {
    byte[] data = FsFixture.random(64 << 10, 16);
    try (FsFixture f = new FsFixture(dir.resolve("staging"))) {
      f.fs.mkdir("/s", 0755, ME);
      f.put("/s/header.h", data);
      assertEquals(0, f.blobs.receiveCount(), "no blob written for a 64 KiB file");
      assertEquals(0, f.blobs.size());
      Inode inode = f.fs.describe("/s/header.h").inode();
      assertNotNull(inode.inline(), "content kept in the inode");
      assertNull(inode.manifest());
      assertArrayEquals(data, f.get("/s/header.h"));
    }
  }

  @Test
  void oneByteMoreIsChunkedIntoTheBlobStore() throws Exception {
    byte[] data = FsFixture.random(Inode.MAX_INLINE + 1, 17);
    try (FsFixture f = new FsFixture(dir.resolve("staging"))) {
      f.fs.mkdir("/s", 0755, ME);
      f.put("/s/big.bin", data);
      assertTrue(f.blobs.size() > 0, "a larger file is stored in cas");
      assertNotNull(f.fs.describe("/s/big.bin").inode().manifest());
      assertArrayEquals(data, f.get("/s/big.bin"));
    }
  }

  @Test
  void inlineContentIsThereAfterTheStoresAreOpenedAgain() throws Exception {
    byte[] data = FsFixture.random(40_000, 18);
    Path kv = dir.resolve("kv");
    try (FsFixture f = new FsFixture(dir.resolve("staging"), c -> c, TestStores.open(kv))) {
      f.fs.mkdir("/s", 0755, ME);
      f.put("/s/a.c", data);
    }
    try (FsFixture f = new FsFixture(dir.resolve("staging2"), c -> c, TestStores.open(kv))) {
      assertArrayEquals(data, f.get("/s/a.c"));
      assertEquals(40_000, f.fs.getattr("/s/a.c").size());
    }
  }
}
