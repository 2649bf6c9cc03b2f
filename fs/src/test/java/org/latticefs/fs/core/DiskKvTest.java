package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.inode.Inode;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.RootStore;
import org.latticefs.kv.store.StoreSettings;
import org.latticefs.kv.sync.IngestOutcome;

/** The filesystem over the real kv (signed logs on disk), called directly. */
class DiskKvTest {
  @TempDir Path dir;

  @Test
  void anEditFromAnotherNodeIngestedIntoRealKvShowsAsAConflictCopy() throws Exception {
    try (DiskStores a = DiskStores.open(dir.resolve("kv-a"));
        DiskStores b = DiskStores.open(dir.resolve("kv-b"));
        FsFixture f = new FsFixture(dir.resolve("staging"), c -> c, a)) {
      f.fs.mkdir("/docs", 0755, ME);
      f.put("/docs/plan.txt", utf8("ours"));
      PathInfo info = f.fs.describe("/docs/plan.txt");
      // Node b knows the store but has not seen our entries: its edit is concurrent with ours.
      b.rootKeys().declareStore(info.storeId(), "docs", 1);
      a.rootKeys().setNodeStatus(b.nodeId(), RootStore.NodeStatus.ACTIVE);
      Inode theirs = info.inode().withContent(6, null, utf8("theirs"));
      b.open(info.storeId()).commit(List.of(new Op.Put(info.inodeKey(), theirs.encode())));
      List<SignedEntry> entries = b.open(info.storeId()).entriesAfter(b.nodeId(), 0).toList();
      assertEquals(IngestOutcome.APPLIED, a.open(info.storeId()).ingest(entries).get(0));
      assertEquals(2, a.open(info.storeId()).heads(info.inodeKey()).size());

      List<String> names = f.fs.list("/docs");
      assertEquals(2, names.size(), names.toString());
      assertEquals("plan.txt", names.get(0));
      assertTrue(names.get(1).startsWith("plan.conflict-"), names.toString());
      assertTrue(names.get(1).endsWith(".txt"), names.toString());
      Set<String> contents =
          Set.of(
              new String(f.get("/docs/" + names.get(0)), StandardCharsets.UTF_8),
              new String(f.get("/docs/" + names.get(1)), StandardCharsets.UTF_8));
      assertEquals(Set.of("ours", "theirs"), contents, "both versions are kept");
      f.fs.unlink("/docs/" + names.get(1));
      assertEquals(List.of("plan.txt"), f.fs.list("/docs"));
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void hardLinksCountOnRealKv() throws IOException {
    try (FsFixture f =
        new FsFixture(dir.resolve("staging"), c -> c, TestStores.open(dir.resolve("kv")))) {
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

  /**
   * Namespace changes and closes are buffered commits (no fsync each); fsync and fsyncdir make them
   * durable on disk. (That they survive kill -9 of the daemon: {@link CrashTest}.)
   */
  @Test
  void closeBuffersTheCommitAndFsyncSyncsTheStore() throws Exception {
    StoreSettings settings = StoreSettings.defaults().withSyncDelay(Duration.ofHours(1));
    try (FsFixture f =
        new FsFixture(
            dir.resolve("staging"), c -> c, DiskStores.open(dir.resolve("kv"), settings))) {
      f.fs.mkdir("/docs", 0755, ME);
      LogStore store = ((DiskStores) f.stores).open(f.fs.describe("/docs").storeId());
      f.put("/docs/closed.txt", utf8("closed"));
      assertTrue(store.hasUnsyncedCommits(), "close does not fsync");
      long fh = f.fs.create("/docs/synced.txt", 0644, FsFixture.O_WRONLY, ME);
      f.write(fh, 0, utf8("synced"));
      f.fs.fsync(fh);
      assertFalse(store.hasUnsyncedCommits(), "fsync syncs the store, earlier closes included");
      f.fs.release(fh);
      f.fs.mkdir("/docs/sub", 0755, ME);
      assertTrue(store.hasUnsyncedCommits());
      f.fs.fsyncdir("/docs/sub");
      assertFalse(store.hasUnsyncedCommits());
      assertArrayEquals(utf8("closed"), f.get("/docs/closed.txt"));
      assertArrayEquals(utf8("synced"), f.get("/docs/synced.txt"));
    }
  }
}
