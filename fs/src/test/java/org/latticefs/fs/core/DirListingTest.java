package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Op;

/**
 * Listing a large directory holds a bounded number of names per open handle (pages from kv after
 * the last key, a window for re-reads), lists every name once, serves re-reads from the window and
 * restarts for a read from before it.
 */
class DirListingTest extends DirectFsTest {
  private static final int FILES = 5000;

  @Test
  void aLargeDirectoryIsListedOnceEachInBoundedMemory() throws IOException {
    fs.mkdir("/docs/big", 0755, ME);
    long dir = fs.describe("/docs/big").inodeId();
    byte[] inode = Inode.create(Inode.Kind.FILE, 0644, 1, 1, 1, null).encode();
    for (int i = 0; i < FILES; i += 500) {
      List<Op> ops = new ArrayList<>();
      for (int j = i; j < i + 500; j++) {
        long id = 1_000_000L + j;
        ops.add(new Op.Put(Keys.inode(id), inode));
        ops.add(
            new Op.Put(
                Keys.dirent(dir, String.format("f%05d", j)),
                Keys.id(id).getBytes(StandardCharsets.US_ASCII)));
      }
      f.store("docs").commit(ops);
    }
    long fh = fs.opendir("/docs/big");
    try {
      Set<String> seen = new HashSet<>();
      long off = 0;
      int maxHeld = 0;
      List<DirEntry> last = List.of();
      while (true) {
        List<DirEntry> page = fs.readdir(fh, off, 128);
        if (page.isEmpty()) {
          break;
        }
        for (DirEntry e : page) {
          assertTrue(seen.add(e.name()), "listed twice: " + e.name());
        }
        maxHeld = Math.max(maxHeld, fs.namesHeld(fh));
        // The kernel's buffer filled up after the first few: it asks again from there.
        if (page.size() >= 14) {
          assertEquals(page.subList(4, 14), fs.readdir(fh, page.get(3).nextOffset(), 10));
        }
        last = page;
        off = page.get(page.size() - 1).nextOffset();
      }
      assertEquals(FILES + 2, seen.size());
      assertTrue(
          maxHeld <= DirListing.WINDOW + DirListing.PAGE,
          "a handle held " + maxHeld + " names of " + FILES);
      // rewinddir: from the start again, the same names in the same order.
      List<DirEntry> first = fs.readdir(fh, 0, 5);
      assertEquals(List.of(".", "..", "f00000", "f00001", "f00002"), names(first));
      assertEquals(
          last.get(0).name(), fs.readdir(fh, last.get(0).nextOffset() - 1, 1).get(0).name());
    } finally {
      fs.releasedir(fh);
    }
  }

  private static List<String> names(List<DirEntry> entries) {
    return entries.stream().map(DirEntry::name).toList();
  }
}
