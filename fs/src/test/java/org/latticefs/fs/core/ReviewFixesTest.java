package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_WRONLY;
import static org.latticefs.fs.core.FsFixture.assertErrno;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.DirEntry;
import org.latticefs.fs.Errno;
import org.latticefs.fs.inode.Keys;

/** Regression tests for races and error paths found in review, driven on the object directly. */
class ReviewFixesTest extends DirectFsTest {
  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void theMountRootHasRealTimesThatMoveWhenStoresChange() throws Exception {
    MutableClock clock = new MutableClock();
    reopen(c -> c.withClock(clock));
    long before = fs.getattr("/").mtimeNanos();
    long year2020 = 1_577_836_800L * 1_000_000_000L;
    assertTrue(before > year2020, "root mtime " + before);
    clock.advance(java.time.Duration.ofMillis(5));
    fs.mkdir("/music", 0755, ME);
    long created = fs.getattr("/").mtimeNanos();
    assertTrue(created > before, created + " > " + before);
    clock.advance(java.time.Duration.ofMillis(5));
    fs.rmdir("/music");
    assertTrue(fs.getattr("/").mtimeNanos() > created);
  }

  @Test
  void storeChangesElsewhereKeepUnflushedCreatesVisibleAndExclusive() throws IOException {
    long fh = fs.create("/docs/new.txt", 0644, O_WRONLY, ME);
    f.write(fh, 0, utf8("unflushed"));
    // What the root-store watch does when a store is created or deleted anywhere.
    fs.mkdir("/photos", 0755, ME);
    fs.invalidateStores();
    assertEquals(List.of("new.txt"), fs.list("/docs"));
    assertEquals(9, fs.getattr("/docs/new.txt").size());
    assertErrno(Errno.EEXIST, () -> fs.create("/docs/new.txt", 0644, O_WRONLY | 0200, ME));
    fs.mkdir("/docs/sub", 0755, ME);
    long inSub = fs.create("/docs/sub/x", 0644, O_WRONLY, ME);
    fs.invalidateStores();
    assertErrno(Errno.ENOTEMPTY, () -> fs.rmdir("/docs/sub"));
    fs.release(inSub);
    fs.release(fh);
    assertArrayEquals(utf8("unflushed"), f.get("/docs/new.txt"));
  }

  /**
   * Runs {@code race} once, in the reading thread, right after the next read of {@code path}'s
   * inode, i.e. between a path lookup and what the caller does with the inode it read.
   */
  private void afterNextInodeRead(String path, IoAction race) throws IOException {
    String key = Keys.inode(fs.describe(path).inodeId());
    HookedStores.HookedStore store = f.store("docs");
    store.afterGet =
        k -> {
          if (k.equals(key)) {
            store.afterGet = null;
            try {
              race.run();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          }
        };
  }

  private interface IoAction {
    void run() throws IOException;
  }

  private void overwriteThroughAnotherHandle(String path, String text) throws IOException {
    long other = fs.open(path, FsFixture.O_RDWR);
    f.write(other, 0, utf8(text));
    fs.release(other);
  }

  @Test
  void anOpenRacingAnotherHandlesCloseSeesAndKeepsTheNewVersion() throws IOException {
    f.put("/docs/a", utf8("one"));
    fs.setxattr("/docs/a", "user.k", utf8("v"), 0);
    afterNextInodeRead("/docs/a", () -> overwriteThroughAnotherHandle("/docs/a", "two"));
    long fh = fs.open("/docs/a", FsFixture.O_RDWR);
    assertArrayEquals(utf8("two"), f.read(fh));
    f.write(fh, 3, utf8("!"));
    fs.release(fh);
    assertArrayEquals(utf8("two!"), f.get("/docs/a"));
    assertArrayEquals(utf8("v"), fs.getxattr("/docs/a", "user.k"));
  }

  @Test
  void truncateByPathRacingAnotherHandlesCloseBuildsOnTheNewVersion() throws IOException {
    f.put("/docs/a", utf8("one one one"));
    afterNextInodeRead("/docs/a", () -> overwriteThroughAnotherHandle("/docs/a", "two two two"));
    fs.truncate("/docs/a", 3);
    assertArrayEquals(utf8("two"), f.get("/docs/a"));
  }

  @Test
  void anOpenRacingAnUnlinkFailsWithEnoent() throws IOException {
    f.put("/docs/a", utf8("one"));
    afterNextInodeRead("/docs/a", () -> fs.unlink("/docs/a"));
    assertErrno(Errno.ENOENT, () -> fs.open("/docs/a", FsFixture.O_RDWR));
  }

  /**
   * Starts {@code op} in another thread while holding the store's namespace lock, runs {@code
   * meanwhile} once that thread waits for the lock (after anything it did before taking it), then
   * lets it go and waits for it.
   */
  private void whileWaitingForTheLock(IoAction op, IoAction meanwhile) throws Exception {
    java.util.concurrent.locks.ReentrantLock lock = fs.context("docs").namespace;
    java.util.concurrent.CompletableFuture<Void> done =
        new java.util.concurrent.CompletableFuture<>();
    Thread t;
    lock.lock();
    try {
      t =
          new Thread(
              () -> {
                try {
                  op.run();
                  done.complete(null);
                } catch (Throwable e) {
                  done.completeExceptionally(e);
                }
              });
      t.start();
      long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(10);
      while (!lock.hasQueuedThread(t) && !done.isDone()) {
        assertTrue(System.nanoTime() < deadline, "the operation never waited for the lock");
        Thread.yield();
      }
      meanwhile.run();
    } finally {
      lock.unlock();
    }
    done.get(10, java.util.concurrent.TimeUnit.SECONDS);
  }

  @Test
  void renameOfAFileCreatedJustBeforeItTakesTheLockMovesTheOnlyName() throws Exception {
    long[] fh = {0};
    whileWaitingForTheLock(
        () -> fs.rename("/docs/x", "/docs/y"),
        () -> {
          fh[0] = fs.create("/docs/x", 0644, O_WRONLY, ME);
          f.write(fh[0], 0, utf8("data"));
        });
    long id = fs.describe("/docs/y").inodeId();
    assertEquals(true, f.store("docs").get(Keys.inode(id)).isPresent(), "inode stored");
    fs.release(fh[0]);
    assertEquals(List.of("y"), fs.list("/docs"));
    assertEquals(1, fs.getattr("/docs/y").nlink());
    assertArrayEquals(utf8("data"), f.get("/docs/y"));
  }

  @Test
  void linkToAFileCreatedJustBeforeItTakesTheLockStoresTheInodeFirst() throws Exception {
    long[] fh = {0};
    whileWaitingForTheLock(
        () -> fs.link("/docs/x", "/docs/z"),
        () -> {
          fh[0] = fs.create("/docs/x", 0644, O_WRONLY, ME);
          f.write(fh[0], 0, utf8("data"));
        });
    long id = fs.describe("/docs/z").inodeId();
    assertEquals(true, f.store("docs").get(Keys.inode(id)).isPresent(), "inode stored");
    fs.release(fh[0]);
    assertEquals(List.of("x", "z"), fs.list("/docs"));
    assertEquals(2, fs.getattr("/docs/z").nlink());
    fs.unlink("/docs/x");
    assertArrayEquals(utf8("data"), f.get("/docs/z"));
  }

  @Test
  void aRuntimeFailureOfTheLastCommitStillClosesTheFileAndItsStaging() throws IOException {
    f.put("/docs/a", utf8("one"));
    long fh = fs.open("/docs/a", FsFixture.O_RDWR);
    f.write(fh, 0, utf8("two"));
    f.faults("docs").failNextAppendWith(new IllegalStateException("injected"));
    assertErrno(Errno.EIO, () -> fs.release(fh));
    assertEquals(0, fs.openFileCount());
    try (var left = java.nio.file.Files.list(staging)) {
      assertEquals(0, left.filter(p -> !java.nio.file.Files.isDirectory(p)).count(), "staging");
    }
    assertArrayEquals(utf8("one"), f.get("/docs/a"));
    // What was written is saved beside it.
    List<String> names = fs.list("/docs");
    assertEquals(2, names.size(), names.toString());
    assertArrayEquals(utf8("two"), f.get("/docs/" + names.get(1)));
  }

  @Test
  void listingShowsUnflushedCreatesWithoutCommittingThem() throws IOException {
    f.put("/docs/old", utf8("old"));
    long a = fs.create("/docs/new-a", 0644, O_WRONLY, ME);
    long b = fs.create("/docs/new-b", 0644, O_WRONLY, ME);
    f.write(a, 0, utf8("a"));
    long commits = f.commits("docs");
    f.faults("docs").failNextAppends(1);
    assertEquals(List.of("new-a", "new-b", "old"), fs.list("/docs").stream().sorted().toList());
    assertEquals(commits, f.commits("docs"), "listing committed something");
    f.faults("docs").failNextAppends(0);
    // Committed while a listing pages through the directory: still listed once.
    long dh = fs.opendir("/docs");
    List<DirEntry> first = fs.readdir(dh, 0, 3);
    fs.release(a);
    List<String> names = new java.util.ArrayList<>();
    first.forEach(e -> names.add(e.name()));
    fs.readdir(dh, first.get(first.size() - 1).nextOffset(), 100).forEach(e -> names.add(e.name()));
    fs.releasedir(dh);
    assertEquals(List.of(".", "..", "new-a", "new-b", "old"), names.stream().sorted().toList());
    fs.release(b);
    assertArrayEquals(utf8("a"), f.get("/docs/new-a"));
  }

  @Test
  void createWithoutExclOpensAnExistingFileAndHonoursTrunc() throws IOException {
    int rdwr = FsFixture.O_RDWR;
    long first = fs.create("/docs/x", 0644, rdwr | 0100, ME);
    f.write(first, 0, utf8("hello"));
    // A second open(O_CREAT) of the same new name, racing the first: both succeed, one file.
    long second = fs.create("/docs/x", 0644, rdwr | 0100, ME);
    assertArrayEquals(utf8("hello"), f.read(second));
    fs.release(first);
    fs.release(second);
    long trunc = fs.create("/docs/x", 0644, rdwr | 0100 | 01000, ME);
    assertEquals(0, fs.getattr("/docs/x").size());
    fs.release(trunc);
    assertErrno(Errno.EEXIST, () -> fs.create("/docs/x", 0644, rdwr | 0100 | 0200, ME));
    fs.mkdir("/docs/d", 0755, ME);
    assertErrno(Errno.EISDIR, () -> fs.create("/docs/d", 0644, rdwr | 0100, ME));
    assertEquals(List.of("d", "x"), fs.list("/docs"));
  }
}
