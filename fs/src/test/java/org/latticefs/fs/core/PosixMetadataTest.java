package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDONLY;
import static org.latticefs.fs.core.FsFixture.assertErrno;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.Attr;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsStats;
import org.latticefs.fs.SpaceProvider;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;

/**
 * POSIX metadata through the filesystem object (issue 10 items 10–13): special files, the 255-byte
 * name limit, directory link counts and sizes, ctime on rename, utimens with UTIME_OMIT and
 * UTIME_NOW, inode numbers below 2^63.
 */
class PosixMetadataTest extends DirectFsTest {
  private static final long SECOND = 1_000_000_000L;

  private static String name(int bytes, char c) {
    return String.valueOf(c).repeat(bytes);
  }

  // ---------------------------------------------------------------- special files (item 10)

  @Test
  void fifosSocketsAndDevicesAreStoredWithTheirKindAndNumber() throws IOException {
    long sda1 = (8L << 8) | 1;
    fs.mknod("/docs/pipe", Inode.Kind.FIFO, 0640, 0, ME);
    fs.mknod("/docs/sock", Inode.Kind.SOCKET, 0600, 0, ME);
    fs.mknod("/docs/sda1", Inode.Kind.BLOCK_DEVICE, 0660, sda1, ME);
    fs.mknod("/docs/null", Inode.Kind.CHAR_DEVICE, 0666, (1L << 8) | 3, ME);
    Attr pipe = fs.getattr("/docs/pipe");
    assertEquals(Inode.Kind.FIFO, pipe.kind());
    assertEquals(0640, pipe.mode());
    assertEquals(0, pipe.size());
    assertEquals(0, pipe.rdev());
    assertEquals(Inode.Kind.SOCKET, fs.getattr("/docs/sock").kind());
    assertEquals(Inode.Kind.BLOCK_DEVICE, fs.getattr("/docs/sda1").kind());
    assertEquals(sda1, fs.getattr("/docs/sda1").rdev());
    assertEquals((1L << 8) | 3, fs.getattr("/docs/null").rdev());
    assertEquals(
        List.of("null", "pipe", "sda1", "sock"), fs.list("/docs").stream().sorted().toList());
    // Links, renames, metadata and removal work as for any inode; their content is the kernel's.
    fs.link("/docs/pipe", "/docs/pipe2");
    assertEquals(2, fs.getattr("/docs/pipe").nlink());
    fs.rename("/docs/sda1", "/docs/disk");
    assertEquals(sda1, fs.getattr("/docs/disk").rdev());
    fs.chmod("/docs/disk", 0600);
    assertEquals(0600, fs.getattr("/docs/disk").mode());
    assertErrno(Errno.EINVAL, () -> fs.open("/docs/pipe", O_RDONLY));
    assertErrno(Errno.EEXIST, () -> fs.mknod("/docs/pipe", Inode.Kind.FIFO, 0644, 0, ME));
    assertErrno(Errno.EPERM, () -> fs.mknod("/fifo", Inode.Kind.FIFO, 0644, 0, ME));
    fs.unlink("/docs/pipe");
    fs.unlink("/docs/pipe2");
    assertErrno(Errno.ENOENT, () -> fs.getattr("/docs/pipe2"));
    // They survive a restart of the filesystem (read back from the log).
    reopenKeepingStores();
    assertEquals(Inode.Kind.SOCKET, fs.getattr("/docs/sock").kind());
    assertEquals(sda1, fs.getattr("/docs/disk").rdev());
  }

  /** A new filesystem over the same stores and blobs (a restart of the daemon). */
  private void reopenKeepingStores() throws IOException {
    assertEquals(0, fs.openFileCount());
    fs.close();
    f = new FsFixture(staging, c -> c, f.stores);
    fs = f.fs;
  }

  // ---------------------------------------------------------------- ENAMETOOLONG (item 11)

  @Test
  void namesOver255BytesAreRefusedEverywhereCountingBytes() throws IOException {
    String max = name(255, 'a');
    String over = name(256, 'a');
    f.put("/docs/" + max, new byte[] {1});
    assertEquals(1, fs.getattr("/docs/" + max).size());
    f.put("/docs/file", new byte[] {2});
    fs.mkdir("/docs/dir", 0755, ME);
    String o = "/docs/" + over;
    assertErrno(Errno.ENAMETOOLONG, () -> fs.getattr(o));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.create(o, 0644, 0, ME));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.mkdir(o, 0755, ME));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.symlink("file", o, ME));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.mknod(o, Inode.Kind.FIFO, 0644, 0, ME));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.link("/docs/file", o));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.link(o, "/docs/x"));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.rename("/docs/file", "/docs/" + name(300, 'b')));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.rename(o, "/docs/x"));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.unlink(o));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.rmdir(o));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.getattr("/docs/" + over + "/below"));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.mkdir("/" + over, 0755, ME));
    // Bytes, not characters: 128 × "é" is 256 bytes; 85 × "€" is 255; 255 raw bytes are 255.
    assertErrno(Errno.ENAMETOOLONG, () -> fs.create("/docs/" + name(128, 'é'), 0644, 0, ME));
    f.put("/docs/" + name(85, '€'), new byte[] {3});
    byte[] raw = new byte[255];
    java.util.Arrays.fill(raw, (byte) 0xe9);
    f.put("/docs/" + KeyBytes.decode(raw), new byte[] {4});
    byte[] rawOver = new byte[256];
    java.util.Arrays.fill(rawOver, (byte) 0xe9);
    assertErrno(
        Errno.ENAMETOOLONG, () -> fs.create("/docs/" + KeyBytes.decode(rawOver), 0644, 0, ME));
    List<String> names = fs.list("/docs");
    assertEquals(5, names.size(), names.toString());
    assertTrue(names.contains(KeyBytes.decode(raw)));
    assertTrue(names.contains(max));
  }

  // ---------------------------------------------------------------- stat sanity (item 12)

  @Test
  void aDirectoryLinksItselfItsDotAndEachSubdirectory() throws IOException {
    assertEquals(2, fs.getattr("/docs").nlink(), "an empty store's root");
    fs.mkdir("/docs/a", 0755, ME);
    assertEquals(2, fs.getattr("/docs/a").nlink(), "a new directory");
    assertEquals(3, fs.getattr("/docs").nlink());
    fs.mkdir("/docs/b", 0755, ME);
    f.put("/docs/file", new byte[] {1});
    fs.symlink("file", "/docs/link", ME);
    fs.mknod("/docs/fifo", Inode.Kind.FIFO, 0644, 0, ME);
    assertEquals(4, fs.getattr("/docs").nlink(), "files, links and fifos do not count");
    fs.rename("/docs/b", "/docs/a/b");
    assertEquals(3, fs.getattr("/docs").nlink(), "moved out");
    assertEquals(3, fs.getattr("/docs/a").nlink(), "moved in");
    fs.mkdir("/docs/c", 0755, ME);
    fs.rename("/docs/c", "/docs/a/b");
    assertEquals(3, fs.getattr("/docs").nlink(), "c moved out");
    assertEquals(3, fs.getattr("/docs/a").nlink(), "c replaced the empty b");
    fs.mkdir("/docs/a/d", 0755, ME);
    fs.rename("/docs/a/d", "/docs/a/b");
    assertEquals(3, fs.getattr("/docs/a").nlink(), "a rename within a directory replacing one");
    fs.rename("/docs/a/b", "/docs/a/e");
    assertEquals(3, fs.getattr("/docs/a").nlink(), "a rename within a directory");
    fs.rmdir("/docs/a/e");
    assertEquals(2, fs.getattr("/docs/a").nlink());
    assertEquals(3, fs.getattr("/docs").nlink());
    assertEquals(Attributes.DIRECTORY_SIZE, fs.getattr("/docs/a").size(), "a block, not 0");
    fs.mkdir("/music", 0755, ME);
    assertEquals(2 + 2, fs.getattr("/").nlink(), "the mount root: one per store");
    // Kept in the log: a restart reads the same counts.
    reopenKeepingStores();
    assertEquals(3, fs.getattr("/docs").nlink());
    assertEquals(2, fs.getattr("/docs/a").nlink());
  }

  @Test
  void aDirectoryWrittenByAnOlderBuildOrByTwoNodesAtOnceHasItsCountDerived() throws IOException {
    fs.mkdir("/docs/a", 0755, ME);
    fs.mkdir("/docs/a/x", 0755, ME);
    f.put("/docs/a/file", new byte[] {1});
    long a = fs.describe("/docs/a").inodeId();
    // An older build wrote every directory with nlink 1.
    Inode old = fs.describe("/docs/a").inode().withNlink(1, 5);
    f.store("docs").commit(List.of(new Op.Put(Keys.inode(a), old.encode())));
    MemoryStores other = f.kv.peer();
    MemoryStores.sync(f.kv, other);
    assertEquals(3, fs.getattr("/docs/a").nlink(), "derived: 2 + one subdirectory");
    fs.mkdir("/docs/a/y", 0755, ME);
    assertEquals(4, fs.getattr("/docs/a").nlink());
    assertEquals(
        4,
        f.store("docs").get(Keys.inode(a)).map(this::decode).orElseThrow().nlink(),
        "the next change of the directory stores the derived count");
    // Another node added a subdirectory without seeing ours: its version of the inode counts
    // only its own, and both versions are heads. The count comes from the entries.
    long theirs = 0x0123_4567_89ab_cdefL;
    Inode theirDir = Inode.create(Inode.Kind.DIRECTORY, 0755, 1, 1, 7, null);
    Inode theirParent = old.withNlink(3, 7);
    other
        .open(fs.describe("/docs/a").storeId())
        .commit(
            List.of(
                new Op.Put(Keys.inode(theirs), theirDir.encode()),
                new Op.Put(Keys.dirent(a, "z"), Keys.id(theirs).getBytes()),
                new Op.Put(Keys.inode(a), theirParent.encode())));
    MemoryStores.sync(f.kv, other);
    other.close();
    assertEquals(2, f.store("docs").heads(Keys.inode(a)).size());
    assertEquals(5, fs.getattr("/docs/a").nlink(), "x, y and their z");
    fs.rmdir("/docs/a/z");
    assertEquals(4, fs.getattr("/docs/a").nlink());
    assertEquals(1, f.store("docs").heads(Keys.inode(a)).size());
  }

  private Inode decode(byte[] v) {
    try {
      return Inode.decode(v);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void renameChangesTheRenamedInodesCtime() throws IOException {
    MutableClock clock = new MutableClock();
    reopen(c -> c.withClock(clock));
    f.put("/docs/file", new byte[] {1});
    fs.mkdir("/docs/dir", 0755, ME);
    long t0 = fs.getattr("/docs/file").mtimeNanos();
    clock.advance(Duration.ofSeconds(5));
    fs.rename("/docs/file", "/docs/moved");
    fs.rename("/docs/dir", "/docs/dir2");
    assertEquals(t0 + 5 * SECOND, fs.getattr("/docs/moved").ctimeNanos());
    assertEquals(t0, fs.getattr("/docs/moved").mtimeNanos(), "mtime stays");
    assertEquals(t0 + 5 * SECOND, fs.getattr("/docs/dir2").ctimeNanos());
    // Also for a file open here (the open state carries the new ctime into its next commit).
    long fh = fs.open("/docs/moved", FsFixture.O_RDWR);
    clock.advance(Duration.ofSeconds(5));
    fs.rename("/docs/moved", "/docs/again");
    assertEquals(t0 + 10 * SECOND, fs.getattr("/docs/again").ctimeNanos());
    f.write(fh, 0, new byte[] {9});
    fs.release(fh);
    assertEquals(t0 + 10 * SECOND, fs.getattr("/docs/again").ctimeNanos());
  }

  @Test
  void utimensKeepsOmittedTimesAndTakesNowFromTheFilesystemsClock() throws IOException {
    MutableClock clock = new MutableClock();
    clock.advance(Duration.ofDays(-400)); // the filesystem's clock, not the JVM's
    reopen(c -> c.withClock(clock));
    f.put("/docs/f", new byte[] {1});
    long t0 = fs.getattr("/docs/f").mtimeNanos();
    clock.advance(Duration.ofSeconds(1));
    // touch -m -d @100: mtime given, atime omitted.
    fs.utimens("/docs/f", TimeChange.KEEP, TimeChange.at(100 * SECOND));
    Attr a = fs.getattr("/docs/f");
    assertEquals(100 * SECOND, a.mtimeNanos());
    assertEquals(t0, a.atimeNanos(), "atime kept");
    assertEquals(t0 + SECOND, a.ctimeNanos());
    // touch -a: atime now, mtime omitted.
    clock.advance(Duration.ofSeconds(1));
    fs.utimens("/docs/f", TimeChange.NOW, TimeChange.KEEP);
    a = fs.getattr("/docs/f");
    assertEquals(t0 + 2 * SECOND, a.atimeNanos());
    assertEquals(100 * SECOND, a.mtimeNanos(), "mtime kept");
    // Both omitted: only ctime moves (utimensat still changes it).
    clock.advance(Duration.ofSeconds(1));
    fs.utimens("/docs/f", TimeChange.KEEP, TimeChange.KEEP);
    assertEquals(100 * SECOND, fs.getattr("/docs/f").mtimeNanos());
    assertEquals(t0 + 3 * SECOND, fs.getattr("/docs/f").ctimeNanos());
    // Both now (touch with no option).
    clock.advance(Duration.ofSeconds(1));
    fs.utimens("/docs/f", TimeChange.NOW, TimeChange.NOW);
    assertEquals(t0 + 4 * SECOND, fs.getattr("/docs/f").mtimeNanos());
    assertEquals(t0 + 4 * SECOND, fs.getattr("/docs/f").atimeNanos());
  }

  @Test
  void inodeNumbersStayBelow2To63AndDifferPerStore() throws IOException {
    fs.mkdir("/other", 0755, ME);
    long docs = fs.getattr("/docs").ino();
    long other = fs.getattr("/other").ino();
    assertNotEquals(docs, other, "each store's root has its own number");
    for (int i = 0; i < 200; i++) {
      f.put("/docs/f" + i, new byte[] {1});
      long ino = fs.getattr("/docs/f" + i).ino();
      assertTrue(ino > 1, "0 and 1 (the mount root) are never used: " + ino);
      long id = fs.describe("/docs/f" + i).inodeId();
      assertTrue(id > 0, "new ids are drawn below 2^63: " + Long.toHexString(id));
    }
    // An id from an older build with the top bit set maps below 2^63 too, stably.
    long oldId = 0xfedc_ba98_7654_3210L;
    f.store("docs")
        .commit(
            List.of(
                new Op.Put(
                    Keys.inode(oldId), Inode.create(Inode.Kind.FILE, 0644, 1, 1, 1, null).encode()),
                new Op.Put(Keys.dirent(Keys.ROOT, "old"), Keys.id(oldId).getBytes())));
    long ino = fs.getattr("/docs/old").ino();
    assertTrue(ino > 1);
    assertEquals(ino, fs.getattr("/docs/old").ino());
  }

  @Test
  void dfShowsWhatLatticeHoldsAndTheInodesOfTheStores() throws IOException {
    // A 1 GiB quota of which Lattice holds 100 MiB, and the disk leaves room for 500 MiB more.
    reopen(c -> c.withSpace(() -> new SpaceProvider.Space(1L << 30, 100L << 20, 500L << 20)));
    f.put("/docs/a", new byte[] {1});
    fs.mkdir("/docs/d", 0755, ME);
    FsStats s = fs.statfs();
    assertEquals(4096, s.blockSize());
    assertEquals((1L << 30) / 4096, s.totalBlocks());
    assertEquals(((1L << 30) - (100L << 20)) / 4096, s.freeBlocks(), "df's Used is 100 MiB");
    assertEquals((500L << 20) / 4096, s.availableBlocks());
    assertEquals(3, s.files() - s.freeFiles(), "in use: the store's root, a and d");
  }

  @Test
  void theCensusCountsEachStoresFilesAndTheirBytes() throws IOException {
    fs.mkdir("/other", 0755, ME);
    f.put("/docs/a", new byte[10]);
    f.put("/docs/b", new byte[5000]);
    fs.mkdir("/docs/d", 0755, ME);
    f.put("/other/c", new byte[7]);
    fs.statfs(); // waits for the first count
    java.util.Map<java.util.UUID, org.latticefs.fs.StoreUsage> u = fs.storeUsage();
    assertEquals(new org.latticefs.fs.StoreUsage(4, 2, 5010, 0), u.get(f.id("docs")));
    assertEquals(new org.latticefs.fs.StoreUsage(2, 1, 7, 0), u.get(f.id("other")));
  }

  @Test
  void newDirectoriesAndFilesTakeTheGroupOfASetGidParent() throws IOException {
    fs.mkdir("/docs/shared", 02775, ME);
    fs.chown("/docs/shared", -1, 4242);
    fs.mkdir("/docs/shared/sub", 0755, ME);
    f.put("/docs/shared/file", new byte[] {1});
    assertEquals(4242, fs.getattr("/docs/shared/sub").gid());
    assertEquals(02755, fs.getattr("/docs/shared/sub").mode(), "and a directory keeps the bit");
    assertEquals(4242, fs.getattr("/docs/shared/file").gid());
    f.put("/docs/plain", new byte[] {1});
    assertEquals(ME.gid(), fs.getattr("/docs/plain").gid());
  }

  @Test
  void readsMoveTheAtimeAsRelatimeSaysWithoutALogEntry() throws IOException {
    MutableClock clock = new MutableClock();
    reopen(c -> c.withClock(clock));
    f.put("/docs/f", new byte[] {1, 2, 3});
    long written = fs.getattr("/docs/f").atimeNanos();
    String key = fs.describe("/docs/f").inodeKey();
    var before = f.store("docs").heads(key);
    clock.advance(Duration.ofSeconds(1));
    assertArrayEquals(new byte[] {1, 2, 3}, f.get("/docs/f"));
    assertEquals(written + SECOND, fs.getattr("/docs/f").atimeNanos(), "atime was not after mtime");
    clock.advance(Duration.ofSeconds(1));
    f.get("/docs/f");
    assertEquals(written + SECOND, fs.getattr("/docs/f").atimeNanos(), "relatime: not again");
    clock.advance(Duration.ofDays(1));
    f.get("/docs/f");
    assertEquals(
        written + 2 * SECOND + 86_400 * SECOND, fs.getattr("/docs/f").atimeNanos(), "a day later");
    assertEquals(before, f.store("docs").heads(key), "no log entry for a read");
    // An explicit atime (touch -a -d) wins over the local record, also when it is earlier.
    fs.utimens("/docs/f", TimeChange.at(written - SECOND), TimeChange.KEEP);
    assertEquals(written - SECOND, fs.getattr("/docs/f").atimeNanos());
  }
}
