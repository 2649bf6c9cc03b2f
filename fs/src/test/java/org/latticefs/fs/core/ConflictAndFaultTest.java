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
import org.latticefs.kv.Head;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;

/** Conflict copies from concurrent heads, and failures injected into kv and cas. */
class ConflictAndFaultTest {
  @TempDir Path staging;

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Another node edits a file while this one edits it too, neither seeing the other's version;
   * after a sync kv holds both heads (its own rules decide the winner), and the loser is shown as a
   * read-only conflict copy.
   */
  @Test
  void aConcurrentVersionFromAnotherNodeAppearsAsAConflictCopy() throws IOException {
    try (FsFixture f = new FsFixture(staging);
        MemoryStores other = f.kv.peer()) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      f.put("/docs/report.txt", utf8("first"));
      MemoryStores.sync(f.kv, other);
      PathInfo info = fs.describe("/docs/report.txt");
      // The other node writes its version first (an older HLC), without seeing ours.
      Inode theirs = info.inode().withContent(6, null, utf8("theirs"));
      other.open(info.storeId()).commit(List.of(new Op.Put(info.inodeKey(), theirs.encode())));
      f.put("/docs/report.txt", utf8("second"));
      MemoryStores.sync(f.kv, other);
      List<Head> heads = f.store("docs").heads(info.inodeKey());
      assertEquals(2, heads.size(), heads.toString());
      // kv's rule picks the winner (HLC, then author); the loser is the copy.
      boolean oursWins = heads.get(0).author().equals(f.kv.nodeId());
      byte[] winner = utf8(oursWins ? "second" : "theirs");
      byte[] loserBytes = utf8(oursWins ? "theirs" : "second");
      Head loser = heads.get(1);
      String copy = ConflictNames.name("report.txt", loser.author(), loser.hlc(), 1);
      assertEquals(List.of("report.txt", copy), fs.list("/docs"));
      assertArrayEquals(winner, f.get("/docs/report.txt"));
      assertArrayEquals(loserBytes, f.get("/docs/" + copy));
      assertEquals(0444, fs.getattr("/docs/" + copy).mode() & 0777);
      assertErrno(Errno.EROFS, () -> fs.open("/docs/" + copy, O_RDWR));
      assertErrno(
          Errno.EEXIST, () -> fs.create("/docs/" + copy, 0644, LatticeFileSystem.O_EXCL, ME));
      assertErrno(Errno.EROFS, () -> fs.create("/docs/" + copy, 0644, O_RDWR, ME));
      // Deleting the copy resolves the conflict in favour of the winner, on both nodes.
      fs.unlink("/docs/" + copy);
      assertEquals(List.of("report.txt"), fs.list("/docs"));
      assertEquals(1, f.store("docs").heads(info.inodeKey()).size());
      assertArrayEquals(winner, f.get("/docs/report.txt"));
      MemoryStores.sync(f.kv, other);
      assertEquals(1, other.open(info.storeId()).heads(info.inodeKey()).size());
    }
  }

  @Test
  void twoNodesCreatingTheSameNameKeepBothFiles() throws IOException {
    try (FsFixture f = new FsFixture(staging);
        MemoryStores other = f.kv.peer()) {
      LatticeFileSystem fs = f.fs;
      fs.mkdir("/docs", 0755, ME);
      MemoryStores.sync(f.kv, other);
      long theirId = 0x1234_5678_9abc_def0L;
      Inode theirs =
          Inode.create(Inode.Kind.FILE, 0644, 1, 1, 5, null).withContent(6, null, utf8("theirs"));
      other
          .open(f.id("docs"))
          .commit(
              List.of(
                  new Op.Put(Keys.inode(theirId), theirs.encode()),
                  new Op.Put(Keys.dirent(Keys.ROOT, "notes.md"), utf8(Keys.id(theirId)))));
      f.put("/docs/notes.md", utf8("mine"));
      MemoryStores.sync(f.kv, other);
      List<String> names = fs.list("/docs");
      assertEquals(2, names.size(), names.toString());
      assertEquals("notes.md", names.get(0));
      assertTrue(names.get(1).startsWith("notes.conflict-"), names.toString());
      boolean oursWins =
          f.store("docs")
              .heads(Keys.dirent(Keys.ROOT, "notes.md"))
              .get(0)
              .author()
              .equals(f.kv.nodeId());
      assertArrayEquals(utf8(oursWins ? "mine" : "theirs"), f.get("/docs/notes.md"));
      assertArrayEquals(utf8(oursWins ? "theirs" : "mine"), f.get("/docs/" + names.get(1)));
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
      assertTrue(e.getCause() instanceof CorruptBlobException, e.toString());
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
      f.faults("docs").failNextAppends(1);
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
      // The close failed: the release does not commit it under the name after all.
      assertErrno(Errno.ENOSPC, () -> fs.release(fh2));
      assertArrayEquals(utf8("two"), f.get("/docs/a"));
      assertEquals(2, fs.list("/docs").size());
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
      // Its only write failed: the new file does not appear.
      assertErrno(Errno.ENOSPC, () -> fs.release(fh));
      assertEquals(List.of("ok"), fs.list("/docs"));
    }
  }
}
