package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDONLY;
import static org.latticefs.fs.core.FsFixture.O_RDWR;
import static org.latticefs.fs.core.FsFixture.assertErrno;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.SpaceProvider;
import org.latticefs.fs.inode.Inode;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;

/** Conflict copies from concurrent heads, and failures injected into kv and cas. */
class ConflictAndFaultTest {
  @TempDir Path staging;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void aConcurrentVersionFromAnotherNodeAppearsAsAConflictCopy() throws IOException {
    try (FsFixture f = new FsFixture(staging)) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/report.txt", utf8("first"));
      PathInfo info = fs.describe("/docs/report.txt");
      // Another node edited the same inode without seeing our version; its HLC is older, so ours
      // wins and theirs becomes the conflict copy.
      Inode theirs = info.inode().withContent(6, null, utf8("theirs"));
      Hlc older = new Hlc(1_764_511_387_000L, 0);
      f.store("docs")
          .ingestForeign(
              MemoryStores.node(0x77),
              older,
              List.of(new Op.Put(info.inodeKey(), theirs.encode())));
      String copy = "report.conflict-77000000-20251130T140307Z.txt";
      assertEquals(List.of("report.txt", copy), fs.list("/docs"));
      assertArrayEquals(utf8("first"), f.get("/docs/report.txt"));
      assertArrayEquals(utf8("theirs"), f.get("/docs/" + copy));
      assertEquals(0444, fs.getattr("/docs/" + copy).mode() & 0777);
      assertErrno(Errno.EROFS, () -> fs.open("/docs/" + copy, O_RDWR));
      assertErrno(
          Errno.EEXIST, () -> fs.create("/docs/" + copy, 0644, LatticeFileSystem.O_EXCL, ME));
      assertErrno(Errno.EROFS, () -> fs.create("/docs/" + copy, 0644, O_RDWR, ME));
      // Deleting the copy resolves the conflict in favour of the winner.
      fs.unlink("/docs/" + copy);
      assertEquals(List.of("report.txt"), fs.list("/docs"));
      assertEquals(1, f.store("docs").heads(info.inodeKey()).size());
      assertArrayEquals(utf8("first"), f.get("/docs/report.txt"));
    }
  }

  @Test
  void twoNodesCreatingTheSameNameKeepBothFiles() throws IOException {
    try (FsFixture f = new FsFixture(staging)) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/notes.md", utf8("mine"));
      long theirId = 0x1234_5678_9abc_def0L;
      Inode theirs =
          Inode.create(Inode.Kind.FILE, 0644, 1, 1, 5, null).withContent(6, null, utf8("theirs"));
      var store = f.store("docs");
      store.ingestForeign(
          MemoryStores.node(0x22),
          new Hlc(1_000, 0),
          List.of(
              new Op.Put(Keys.inode(theirId), theirs.encode()),
              new Op.Put(Keys.dirent(Keys.ROOT, "notes.md"), utf8(Keys.id(theirId)))));
      List<String> names = fs.list("/docs");
      assertEquals(2, names.size(), names.toString());
      assertTrue(names.get(1).startsWith("notes.conflict-22000000-"));
      assertArrayEquals(utf8("theirs"), f.get("/docs/" + names.get(1)));
    }
  }

  @Test
  void aCorruptChunkIsEioAndNeverData() throws IOException {
    try (FsFixture f = new FsFixture(staging)) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/big", random(2 << 20, 5));
      var chunk = fs.describe("/docs/big").chunks().get(0);
      f.blobs.corrupt(chunk.ref());
      // Drop the good bytes the write left in the chunk cache.
      f.cache.invalidate(chunk.ref());
      long fh = fs.open("/docs/big", O_RDONLY);
      IOException e = assertThrows(IOException.class, () -> f.read(fh));
      assertTrue(e instanceof CorruptBlobException, e.toString());
      assertEquals(Errno.EIO, FsErrors.errno("read", "/docs/big", e));
      fs.release(fh);
    }
  }

  @Test
  void aFailedCommitKeepsTheDataStagedAndTheNextFlushCommitsIt() throws IOException {
    try (FsFixture f = new FsFixture(staging)) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/a", utf8("one"));
      long fh = fs.open("/docs/a", O_RDWR);
      f.write(fh, 0, utf8("two"));
      f.store("docs").failNextCommits(1);
      assertThrows(KvException.class, () -> fs.flush(fh));
      assertArrayEquals(utf8("two"), f.read(fh));
      fs.flush(fh);
      fs.release(fh);
      assertArrayEquals(utf8("two"), f.get("/docs/a"));
      // A failing blob store: the flush fails, nothing is committed.
      long fh2 = fs.open("/docs/a", O_RDWR);
      f.write(fh2, 0, random(100_000, 1));
      f.blobs.failNextCommits(1, new IOException("No space left on device"));
      IOException e = assertThrows(IOException.class, () -> fs.flush(fh2));
      assertEquals(Errno.ENOSPC, FsErrors.errno("flush", "/docs/a", e));
      fs.release(fh2);
    }
  }

  @Test
  void writesFailWithEnospcWhenTheQuotaIsUsedUp() throws IOException {
    long[] free = {1 << 20};
    MutableClock clock = new MutableClock();
    try (FsFixture f =
        new FsFixture(
            staging,
            c -> c.withClock(clock).withSpace(() -> new SpaceProvider.Space(10 << 20, free[0])))) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/ok", new byte[1000]);
      assertEquals(256, fs.statfs().freeBlocks());
      free[0] = 100;
      clock.advance(java.time.Duration.ofMillis(300)); // past the age of the cached figure
      long fh = fs.create("/docs/full", 0644, 1, ME);
      assertErrno(Errno.ENOSPC, () -> f.write(fh, 0, new byte[4096]));
      fs.release(fh);
    }
  }
}
