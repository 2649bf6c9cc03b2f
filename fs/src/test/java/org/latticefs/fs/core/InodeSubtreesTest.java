package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.inode.InodeSubtrees;
import org.latticefs.fs.inode.Keys;

/**
 * What a pin of a file or folder reaches, through renames and new files (over kv's in-memory
 * stores, which have snapshots and watches).
 */
class InodeSubtreesTest {
  @TempDir Path staging;
  FsFixture f;
  LatticeFileSystem fs;

  @BeforeEach
  void setUp() throws Exception {
    f = new FsFixture(staging, c -> c, org.latticefs.kv.memory.MemoryStores.create());
    fs = f.fs;
    fs.mkdir("/docs", 0755, ME);
  }

  @AfterEach
  void tearDown() throws Exception {
    f.close();
    f.stores.close();
  }

  private Set<BlobRef> walk(UUID store, long id) throws Exception {
    Set<BlobRef> out = new HashSet<>();
    assertTrue(new InodeSubtrees(f.stores).forEach(store, Keys.id(id), out::add));
    return out;
  }

  private BlobRef manifest(String path) throws Exception {
    return fs.describe(path).inode().manifest();
  }

  @Test
  void aFolderReachesItsFilesAtAnyDepthThroughRenamesAndNewFiles() throws Exception {
    fs.mkdir("/docs/a", 0755, ME);
    fs.mkdir("/docs/a/b", 0755, ME);
    f.put("/docs/a/x", FsFixture.random(100_000, 1));
    f.put("/docs/a/b/y", FsFixture.random(100_000, 2));
    f.put("/docs/z", FsFixture.random(100_000, 3));
    f.put("/docs/a/small", FsFixture.random(10, 4));
    PathInfo a = fs.describe("/docs/a");

    assertEquals(
        Set.of(manifest("/docs/a/x"), manifest("/docs/a/b/y")), walk(a.storeId(), a.inodeId()));

    fs.rename("/docs/a", "/docs/renamed");
    f.put("/docs/renamed/b/w", FsFixture.random(100_000, 5));
    assertEquals(
        Set.of(
            manifest("/docs/renamed/x"),
            manifest("/docs/renamed/b/y"),
            manifest("/docs/renamed/b/w")),
        walk(a.storeId(), a.inodeId()));

    PathInfo z = fs.describe("/docs/z");
    assertEquals(Set.of(manifest("/docs/z")), walk(z.storeId(), z.inodeId()));
  }

  @Test
  void aDeletedInodeOrAnUnknownStoreReachesNothing() throws Exception {
    f.put("/docs/gone", FsFixture.random(100_000, 6));
    PathInfo gone = fs.describe("/docs/gone");
    fs.unlink("/docs/gone");
    InodeSubtrees trees = new InodeSubtrees(f.stores);
    assertFalse(trees.forEach(gone.storeId(), Keys.id(gone.inodeId()), m -> {}));
    assertFalse(trees.forEach(UUID.randomUUID(), Keys.id(1), m -> {}));
  }

  @Test
  void everyFileIsNamedByItsPathFromTheMountRoot() throws Exception {
    fs.mkdir("/docs/a", 0755, ME);
    f.put("/docs/a/x", FsFixture.random(100_000, 8));
    f.put("/docs/y", FsFixture.random(100_000, 9));
    f.put("/docs/inline", FsFixture.random(10, 10));
    java.util.Map<String, BlobRef> files = new java.util.TreeMap<>();
    new InodeSubtrees(f.stores).forEachFile(files::put);
    assertEquals(
        java.util.Map.of("/docs/a/x", manifest("/docs/a/x"), "/docs/y", manifest("/docs/y")),
        files);
  }

  @Test
  void aWatcherHearsOfANewFile() throws Exception {
    PathInfo docs = fs.describe("/docs");
    CountDownLatch heard = new CountDownLatch(1);
    try (AutoCloseable w = new InodeSubtrees(f.stores).watch(docs.storeId(), heard::countDown)) {
      f.put("/docs/new", FsFixture.random(100_000, 7));
      assertTrue(heard.await(30, TimeUnit.SECONDS));
    }
  }
}
