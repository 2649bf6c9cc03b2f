package org.latticefs.fs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.latticefs.fs.FsFixture.ME;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The filesystem over the real kv (signed logs on disk), called directly. */
class DiskKvTest {
  @TempDir Path dir;

  @Test
  void hardLinksCountOnRealKv() throws IOException {
    try (FsFixture f =
        new FsFixture(dir.resolve("staging"), null, TestStores.open(dir.resolve("kv")))) {
      f.fs.mkdir("/docs", 0755, ME);
      f.put("/docs/orig", new byte[] {5, 6});
      f.fs.setxattr("/docs/orig", "user.x", new byte[] {1}, 0);
      f.fs.link("/docs/orig", "/docs/second");
      assertEquals(2, f.fs.getattr("/docs/orig").nlink());
      assertEquals(2, f.fs.getattr("/docs/second").nlink());
      f.fs.unlink("/docs/orig");
      assertEquals(1, f.fs.getattr("/docs/second").nlink());
      assertArrayEquals(new byte[] {5, 6}, f.get("/docs/second"));
    }
  }
}
