package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDONLY;
import static org.latticefs.fs.core.FsFixture.O_RDWR;
import static org.latticefs.fs.core.FsFixture.assertErrno;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsException;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.TimeChange;
import org.latticefs.fs.inode.Inode;

/** Replays what applications do, calling the filesystem object directly (no mount). */
class AccessPatternTest extends DirectFsTest {
  @Test
  void rootListsStoresAndMkdirRmdirManageThem() throws IOException {
    fs.mkdir("/photos", 0755, ME);
    assertEquals(List.of("docs", "photos"), fs.list("/"));
    f.put("/photos/a.jpg", new byte[] {1, 2, 3});
    assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir("/photos"));
    fs.unlink("/photos/a.jpg");
    fs.rmdir("/photos");
    assertEquals(List.of("docs"), fs.list("/"));
    assertErrno(Errno.EEXIST, () -> fs.mkdir("/docs", 0755, ME));
    assertErrno(Errno.EACCES, () -> fs.create("/loose.txt", 0644, 0, ME));
  }

  @Test
  void editorSaveWritesTempFsyncsRenamesOverOriginalAndChmods() throws IOException {
    f.put("/docs/report.txt", "version 1".getBytes(StandardCharsets.UTF_8));
    long reader = fs.open("/docs/report.txt", O_RDONLY);

    long tmp = fs.create("/docs/.report.txt.swp", 0600, 1, ME);
    f.write(tmp, 0, "version 2, longer".getBytes(StandardCharsets.UTF_8));
    fs.fsync(tmp);
    fs.release(tmp);
    fs.rename("/docs/.report.txt.swp", "/docs/report.txt");
    fs.chmod("/docs/report.txt", 0644);

    assertEquals(
        "version 2, longer", new String(f.get("/docs/report.txt"), StandardCharsets.UTF_8));
    assertEquals(0644, fs.getattr("/docs/report.txt").mode());
    assertEquals(List.of("report.txt"), fs.list("/docs"));
    // The descriptor opened before the save still reads the old version.
    assertEquals("version 1", new String(f.read(reader), StandardCharsets.UTF_8));
    fs.release(reader);
  }

  @Test
  void unlinkWhileOpenKeepsTheFileReadableUntilRelease() throws IOException {
    byte[] data = random(300_000, 1);
    f.put("/docs/big.bin", data);
    long fh = fs.open("/docs/big.bin", O_RDWR);
    fs.unlink("/docs/big.bin");
    assertErrno(Errno.ENOENT, () -> fs.getattr("/docs/big.bin"));
    assertArrayEquals(data, f.read(fh));
    f.write(fh, 0, new byte[] {9});
    fs.flush(fh);
    assertEquals(data.length, fs.getattr(fh).size());
    fs.release(fh);
    assertEquals(List.of(), fs.list("/docs"));
  }

  @Test
  void newFileCommitsOnceOnCloseAndIsVisibleBefore() throws IOException {
    long before = f.commits("docs");
    long fh = fs.create("/docs/new.txt", 0644, 1, ME);
    f.write(fh, 0, "hello".getBytes(StandardCharsets.UTF_8));
    assertEquals(5, fs.getattr("/docs/new.txt").size());
    assertEquals(before, f.commits("docs"), "nothing committed before close");
    fs.flush(fh);
    fs.release(fh);
    assertEquals(before + 1, f.commits("docs"), "one log entry for create+write+close");
    assertArrayEquals("hello".getBytes(StandardCharsets.UTF_8), f.get("/docs/new.txt"));
  }

  @Test
  void truncateShrinksAndExtendsWithZeros() throws IOException {
    byte[] data = random(200_000, 2);
    f.put("/docs/t.bin", data);
    fs.truncate("/docs/t.bin", 1000);
    assertArrayEquals(Arrays.copyOf(data, 1000), f.get("/docs/t.bin"));
    fs.truncate("/docs/t.bin", 500_000);
    assertArrayEquals(Arrays.copyOf(Arrays.copyOf(data, 1000), 500_000), f.get("/docs/t.bin"));
    long fh = fs.open("/docs/t.bin", O_RDWR);
    fs.ftruncate(fh, 10);
    assertEquals(10, fs.getattr(fh).size());
    fs.release(fh);
    assertArrayEquals(Arrays.copyOf(data, 10), f.get("/docs/t.bin"));
    assertErrno(Errno.EISDIR, () -> fs.truncate("/docs", 0));
    assertErrno(Errno.EINVAL, () -> fs.truncate("/docs/t.bin", -1));
  }

  @Test
  void sparseWritesReadAsZerosInTheHoles() throws IOException {
    long fh = fs.create("/docs/sparse", 0644, 2, ME);
    f.write(fh, 5_000_000, new byte[] {7, 7});
    f.write(fh, 10, new byte[] {1});
    fs.release(fh);
    byte[] got = f.get("/docs/sparse");
    byte[] want = new byte[5_000_002];
    want[10] = 1;
    want[5_000_000] = 7;
    want[5_000_001] = 7;
    assertArrayEquals(want, got);
  }

  @Test
  void overwritingTheMiddleOfALargeFileReadsOnlyNearbyChunks() throws IOException {
    byte[] data = random(32 << 20, 3);
    f.put("/docs/large.bin", data);
    long before = fs.ingestedBytes();
    long fh = fs.open("/docs/large.bin", O_RDWR);
    byte[] patch = random(4096, 4);
    f.write(fh, 16 << 20, patch);
    fs.release(fh);
    long read = fs.ingestedBytes() - before;
    assertTrue(read < 4 << 20, "re-chunked " + read + " bytes for a 4 KiB edit of 32 MiB");
    System.arraycopy(patch, 0, data, 16 << 20, patch.length);
    assertArrayEquals(data, f.get("/docs/large.bin"));
    // Appending re-chunks only the tail.
    before = fs.ingestedBytes();
    fh = fs.open("/docs/large.bin", O_RDWR);
    f.write(fh, data.length, patch);
    fs.release(fh);
    assertTrue(fs.ingestedBytes() - before < 4 << 20);
  }

  @Test
  void renameOverDirectories() throws IOException {
    fs.mkdir("/docs/a", 0755, ME);
    fs.mkdir("/docs/b", 0755, ME);
    f.put("/docs/a/x", new byte[] {1});
    fs.rename("/docs/a", "/docs/b");
    assertEquals(List.of("b"), fs.list("/docs"));
    assertArrayEquals(new byte[] {1}, f.get("/docs/b/x"));
    fs.mkdir("/docs/c", 0755, ME);
    assertErrno(Errno.ENOTEMPTY, () -> fs.rename("/docs/c", "/docs/b"));
    f.put("/docs/file", new byte[] {2});
    assertErrno(Errno.EISDIR, () -> fs.rename("/docs/file", "/docs/c"));
    assertErrno(Errno.ENOTDIR, () -> fs.rename("/docs/c", "/docs/file"));
    assertErrno(Errno.EINVAL, () -> fs.rename("/docs/b", "/docs/b/inside"));
    fs.mkdir("/other", 0755, ME);
    assertErrno(Errno.EXDEV, () -> fs.rename("/docs/file", "/other/file"));
    // Renaming a folder with many entries is one dirent move.
    for (int i = 0; i < 200; i++) {
      f.put("/docs/b/f" + i, new byte[] {(byte) i});
    }
    long commits = f.commits("docs");
    fs.rename("/docs/b", "/docs/moved");
    assertEquals(commits + 1, f.commits("docs"));
    assertArrayEquals(new byte[] {(byte) 77}, f.get("/docs/moved/f77"));
  }

  @Test
  void errorsMapToErrno() throws IOException {
    assertErrno(Errno.ENOENT, () -> fs.getattr("/docs/missing"));
    assertErrno(Errno.ENOENT, () -> fs.getattr("/nostore/x"));
    f.put("/docs/file", new byte[] {1});
    assertErrno(Errno.ENOTDIR, () -> fs.getattr("/docs/file/x"));
    assertErrno(Errno.EEXIST, () -> fs.create("/docs/file", 0644, LatticeFileSystem.O_EXCL, ME));
    assertErrno(Errno.EISDIR, () -> fs.open("/docs", O_RDONLY));
    assertErrno(Errno.EISDIR, () -> fs.unlink("/docs"));
    assertErrno(Errno.ENOTDIR, () -> fs.rmdir("/docs/file"));
    assertErrno(Errno.ENAMETOOLONG, () -> fs.mkdir("/docs/" + "n".repeat(256), 0755, ME));
    assertErrno(Errno.EINVAL, () -> fs.readlink("/docs/file"));
    long fh = fs.open("/docs/file", O_RDONLY);
    assertErrno(Errno.EBADF, () -> fs.write(fh, 0, ByteBuffer.wrap(new byte[1])));
    fs.release(fh);
    assertErrno(Errno.EBADF, () -> fs.release(fh));
  }

  @Test
  void symlinksAndHardLinks() throws IOException {
    fs.symlink("../target/file", "/docs/link", ME);
    assertEquals("../target/file", fs.readlink("/docs/link"));
    assertEquals(Inode.Kind.SYMLINK, fs.getattr("/docs/link").kind());
    f.put("/docs/orig", new byte[] {5, 6});
    fs.link("/docs/orig", "/docs/second");
    assertEquals(2, fs.getattr("/docs/orig").nlink());
    assertEquals(fs.getattr("/docs/orig").ino(), fs.getattr("/docs/second").ino());
    fs.unlink("/docs/orig");
    assertEquals(1, fs.getattr("/docs/second").nlink());
    assertArrayEquals(new byte[] {5, 6}, f.get("/docs/second"));
    assertErrno(Errno.EPERM, () -> fs.link("/docs", "/docs/dirlink"));
  }

  @Test
  void xattrsFollowLinuxSemantics() throws IOException {
    f.put("/docs/x", new byte[] {1});
    assertErrno(Errno.ENODATA, () -> fs.getxattr("/docs/x", "user.a"));
    fs.setxattr("/docs/x", "user.a", new byte[] {1, 2}, 0);
    assertErrno(Errno.EEXIST, () -> fs.setxattr("/docs/x", "user.a", new byte[0], 1));
    assertErrno(Errno.ENODATA, () -> fs.setxattr("/docs/x", "user.b", new byte[0], 2));
    fs.setxattr("/docs/x", "user.a", new byte[] {3}, 2);
    assertArrayEquals(new byte[] {3}, fs.getxattr("/docs/x", "user.a"));
    fs.setxattr("/docs/", "user.dir", new byte[] {4}, 0);
    assertEquals(List.of("user.dir"), fs.listxattr("/docs"));
    assertEquals(List.of("user.a"), fs.listxattr("/docs/x"));
    fs.removexattr("/docs/x", "user.a");
    assertErrno(Errno.ENODATA, () -> fs.removexattr("/docs/x", "user.a"));
    assertErrno(Errno.ERANGE, () -> fs.setxattr("/docs/x", "u".repeat(256), new byte[0], 0));
    assertErrno(Errno.E2BIG, () -> fs.setxattr("/docs/x", "user.big", new byte[65537], 0));
    fs.setxattr("/docs/x", "user.big1", new byte[65536], 0);
    fs.setxattr("/docs/x", "user.big2", new byte[60000], 0);
    assertErrno(Errno.ENOSPC, () -> fs.setxattr("/docs/x", "user.big3", new byte[10000], 0));
  }

  @Test
  void fileCapabilitiesAreRefusedAndNeverFound() throws IOException {
    f.put("/docs/tool", new byte[] {1});
    assertErrno(
        Errno.ENOTSUP,
        () -> fs.setxattr("/docs/tool", "security.capability", new byte[] {1, 2}, 0));
    assertErrno(Errno.ENODATA, () -> fs.getxattr("/docs/tool", "security.capability"));
    assertEquals(List.of(), fs.listxattr("/docs/tool"));
    fs.setxattr("/docs/tool", "security.selinux", new byte[] {5}, 0);
    assertArrayEquals(new byte[] {5}, fs.getxattr("/docs/tool", "security.selinux"));
  }

  @Test
  void expectedFailuresCarryNoStackTrace() {
    FsException e = assertThrows(FsException.class, () -> fs.getattr("/docs/missing"));
    assertEquals(Errno.ENOENT, e.errno());
    assertEquals(0, e.getStackTrace().length);
  }

  @Test
  void twoHandlesShareOneStateAndTheLastCloseCommitsBoth() throws IOException {
    f.put("/docs/shared", new byte[8]);
    long a = fs.open("/docs/shared", O_RDWR);
    long b = fs.open("/docs/shared", O_RDWR);
    f.write(a, 0, new byte[] {1});
    assertEquals(1, f.read(b)[0], "b sees a's write at once");
    f.write(b, 1, new byte[] {2});
    fs.release(a);
    f.write(b, 2, new byte[] {3});
    fs.release(b);
    assertArrayEquals(new byte[] {1, 2, 3, 0, 0, 0, 0, 0}, f.get("/docs/shared"));
  }

  @Test
  void readdirPagesThroughLargeDirectoriesWithStableOffsets() throws IOException {
    fs.mkdir("/docs/many", 0755, ME);
    for (int i = 0; i < 1000; i++) {
      f.put(String.format("/docs/many/f%04d", i), new byte[0]);
    }
    long dh = fs.opendir("/docs/many");
    List<DirEntry> first = fs.readdir(dh, 0, 300);
    assertEquals(300, first.size());
    fs.unlink("/docs/many/f0000");
    long off = first.get(first.size() - 1).nextOffset();
    int count = first.size();
    while (true) {
      List<DirEntry> page = fs.readdir(dh, off, 300);
      if (page.isEmpty()) {
        break;
      }
      count += page.size();
      off = page.get(page.size() - 1).nextOffset();
    }
    fs.releasedir(dh);
    assertEquals(1002, count, ". and .. and 1000 names, none repeated");
    assertEquals(999, fs.list("/docs/many").size());
  }

  @Test
  void utimensAndChownChangeMetadataOnly() throws IOException {
    f.put("/docs/m", new byte[] {1});
    fs.utimens("/docs/m", TimeChange.at(1_000_000_000L), TimeChange.at(2_000_000_000L));
    assertEquals(2_000_000_000L, fs.getattr("/docs/m").mtimeNanos());
    fs.chown("/docs/m", 42, -1);
    assertEquals(42, fs.getattr("/docs/m").uid());
    assertEquals(1000, fs.getattr("/docs/m").gid());
    // cp -p sets times on the open descriptor before close: the close must keep them.
    long fh = fs.open("/docs/m", O_RDWR);
    f.write(fh, 0, new byte[] {2});
    fs.utimens("/docs/m", TimeChange.KEEP, TimeChange.at(3_000_000_000L));
    fs.release(fh);
    assertEquals(3_000_000_000L, fs.getattr("/docs/m").mtimeNanos());
  }

  @Test
  void describeShowsInodeManifestAndChunks() throws IOException {
    f.put("/docs/big", random(3 << 20, 9));
    PathInfo info = fs.describe("/docs/big");
    assertNotNull(info.inode().manifest());
    assertTrue(info.chunks().size() > 1);
    assertEquals(3 << 20, info.chunks().stream().mapToLong(c -> c.length()).sum());
    f.put("/docs/small", new byte[] {1});
    assertTrue(fs.describe("/docs/small").chunks().isEmpty());
    assertFalse(fs.describe("/docs/small").conflictCopy());
  }
}
