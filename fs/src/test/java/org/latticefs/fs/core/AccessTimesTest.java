package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The node-local access-time table: relatime, persistence, damage, and its size bound. */
class AccessTimesTest {
  private static final long S = 1_000_000_000L;
  private static final long DAY = 86_400 * S;

  @TempDir Path dir;

  @Test
  void relatimeMovesTheAtimeOnlyWhenItIsNotAfterTheChangesOrADayOld() {
    AccessTimes t = new AccessTimes(null, 16);
    // atime 10, mtime 20: the read at 30 moves it.
    t.read(7, 10 * S, 20 * S, 20 * S, 30 * S);
    assertEquals(30 * S, t.atime(7, 10 * S));
    t.read(7, 10 * S, 20 * S, 20 * S, 40 * S);
    assertEquals(30 * S, t.atime(7, 10 * S), "after the mtime and less than a day old");
    t.read(7, 10 * S, 20 * S, 20 * S, 30 * S + DAY);
    assertEquals(30 * S + DAY, t.atime(7, 10 * S));
    assertEquals(99 * S, t.atime(7, 99 * S), "a record over another inode atime is stale");
    assertEquals(5 * S, t.atime(8, 5 * S), "no record: the inode's");
  }

  @Test
  void savedTablesLoadAndDamagedOnesAreIgnored() throws IOException {
    Path file = dir.resolve("atimes");
    AccessTimes t = new AccessTimes(file, 1024);
    for (long ino = 2; ino < 500; ino++) {
      t.read(ino, 0, 1, 1, ino * S);
    }
    t.save();
    AccessTimes back = new AccessTimes(file, 1024);
    assertEquals(498, back.size());
    assertEquals(321 * S, back.atime(321, 0));
    byte[] bytes = Files.readAllBytes(file);
    bytes[40] ^= 1;
    Files.write(file, bytes);
    AccessTimes damaged = new AccessTimes(file, 1024);
    assertEquals(0, damaged.size(), "a bad checksum: start empty, never fail the mount");
    assertEquals(0, new AccessTimes(file, 100).size(), "more records than the capacity");
    Files.write(file, new byte[] {1, 2, 3});
    assertEquals(0, new AccessTimes(file, 1024).size());
  }

  @Test
  void aFullTableDropsItsOlderHalf() {
    AccessTimes t = new AccessTimes(null, 100);
    for (long ino = 2; ino < 2 + 1000; ino++) {
      t.read(ino, 0, 1, 1, ino * S);
    }
    assertTrue(t.size() <= 100, "bounded: " + t.size());
    assertEquals(1001 * S, t.atime(1001, 0), "the newest is kept");
    assertEquals(0, t.atime(2, 0), "the oldest went: the inode's atime shows");
  }
}
