package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;

import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.inode.KeptVersions;

/** gc.keep_deleted: replaced and deleted versions stay roots for a while, and are listed. */
class KeptVersionsTest {
  @TempDir Path staging;
  FsFixture f;
  LatticeFileSystem fs;
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.now());
  final InstantSource clock = () -> now.get();

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

  @Test
  void replacedAndDeletedVersionsAreKeptForTheWindowThenLetGo() throws Exception {
    f.put("/docs/f", FsFixture.random(100_000, 1));
    BlobRef v1 = fs.describe("/docs/f").inode().manifest();
    f.put("/docs/f", FsFixture.random(100_000, 2));
    BlobRef v2 = fs.describe("/docs/f").inode().manifest();
    PathInfo docs = fs.describe("/docs");
    fs.unlink("/docs/f");
    KeptVersions kept = new KeptVersions(f.stores, Duration.ofHours(1), clock);

    List<KeptVersions.Version> versions = kept.versions(docs.storeId(), docs.inodeId(), "f");
    List<BlobRef> manifests = versions.stream().map(KeptVersions.Version::manifest).toList();
    assertTrue(manifests.contains(v1) && manifests.contains(v2), versions.toString());
    KeptVersions.Version last = versions.get(versions.size() - 1);
    assertEquals(null, last.kind(), "the deletion is listed last");
    assertTrue(
        versions.stream().filter(v -> v.kind() != null).allMatch(KeptVersions.Version::kept));
    assertTrue(
        versions.stream().filter(v -> v.kind() != null).allMatch(v -> v.supersededAtMillis() > 0));

    Set<BlobRef> roots = new HashSet<>();
    kept.roots().forEach(roots::add);
    assertTrue(roots.containsAll(Set.of(v1, v2)), roots.toString());

    now.set(now.get().plus(Duration.ofHours(2)));
    Set<BlobRef> later = new HashSet<>();
    kept.roots().forEach(later::add);
    assertTrue(later.isEmpty(), "past the window: garbage, " + later);
    assertFalse(
        kept.versions(docs.storeId(), docs.inodeId(), "f").stream()
            .anyMatch(KeptVersions.Version::kept));

    Set<BlobRef> off = new HashSet<>();
    new KeptVersions(f.stores, Duration.ZERO, clock).roots().forEach(off::add);
    assertTrue(off.isEmpty(), "keep_deleted 0: nothing kept");
  }
}
