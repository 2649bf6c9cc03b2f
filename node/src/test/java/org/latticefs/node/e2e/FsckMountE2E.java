package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.control.Json;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * {@code fsck} through a real mount: a chunk flipped on disk is found, quarantined and its file
 * named, {@code status} shows the findings, {@code --repair} without peers says it has no good
 * copy, and a clean store checks clean.
 */
class FsckMountE2E {
  @TempDir Path tmp;
  Launcher l;

  @BeforeEach
  void setUp() throws Exception {
    l = Launcher.fresh(tmp, "storage.min_free=0\ngc.interval=0\ngc.keep_deleted=1h\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (l != null) {
      l.close();
    }
  }

  @Test
  void replacedAndDeletedVersionsAreKeptThroughGcAndListed() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    Path f = docs.resolve("f");
    assertEquals(
        0,
        Launcher.sh("mkdir -p '" + docs + "' && head -c 300000 /dev/urandom > '" + f + "'").code());
    String v1 = (String) l.json(0, "stat", f.toString(), "--json").get("manifest");
    assertEquals(
        0, Launcher.sh("head -c 200000 /dev/urandom > '" + f + "' && rm '" + f + "'").code());
    l.json(0, "gc", "--json");

    Run r = l.lattice("versions", f.toString(), "--json");
    assertEquals(0, r.code(), r.err());
    List<?> versions = (List<?>) Json.parse(r.out(), 1 << 20);
    // Each write is a create or truncate (empty) and then the content: two with content.
    List<Map<?, ?>> withContent =
        versions.stream()
            .<Map<?, ?>>map(v -> (Map<?, ?>) v)
            .filter(v -> v.get("manifest") != null)
            .toList();
    assertEquals(2, withContent.size(), versions.toString());
    assertEquals(v1, withContent.get(0).get("manifest"));
    assertTrue(withContent.stream().allMatch(v -> Boolean.TRUE.equals(v.get("kept"))));
    assertEquals("deleted", ((Map<?, ?>) versions.get(versions.size() - 1)).get("kind"));
    Path blob = l.home.resolve("cas").resolve(v1.substring(0, 2)).resolve(v1 + ".blob");
    assertTrue(Files.exists(blob), "kept through gc for gc.keep_deleted");
  }

  @Test
  void aFlippedChunkIsQuarantinedAndItsFileNamed() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    Run w =
        Launcher.sh(
            "mkdir -p '"
                + docs
                + "' && head -c 2000000 /dev/urandom > '"
                + docs
                + "/bad' && head -c 2000000 /dev/urandom > '"
                + docs
                + "/good'");
    assertEquals(0, w.code(), w.err());
    Map<String, Object> clean = l.json(0, "fsck", "--json");
    assertEquals(0L, ((Number) clean.get("bad_blobs")).longValue());
    assertTrue(((Number) clean.get("checked_blobs")).longValue() > 2);

    Map<String, Object> stat = l.json(0, "stat", docs.resolve("bad").toString(), "--json");
    String chunk = (String) ((Map<?, ?>) ((List<?>) stat.get("chunks")).get(0)).get("ref");
    Path blob = l.home.resolve("cas").resolve(chunk.substring(0, 2)).resolve(chunk + ".blob");
    try (RandomAccessFile f = new RandomAccessFile(blob.toFile(), "rw")) {
      f.seek(100);
      int b = f.read();
      f.seek(100);
      f.write(b ^ 0xff);
    }
    // The chunk cache may hold the good bytes: drop the daemon's caches by remounting.
    assertEquals(0, l.lattice("unmount").code());
    l.mount();

    Map<String, Object> found = l.json(1, "fsck", "--json");
    assertEquals(List.of(chunk), found.get("bad"));
    assertEquals(1L, ((Number) found.get("lost_files")).longValue());
    assertTrue(found.get("lost").toString().contains("/docs/bad"), found.toString());
    assertTrue(!Files.exists(blob), "moved out of the readers' way");

    Map<String, Object> status = l.json(0, "status", "--json");
    Map<?, ?> scrub = (Map<?, ?>) status.get("scrub");
    assertEquals(
        1L, ((Number) ((Map<?, ?>) scrub.get("last_report")).get("bad_blobs")).longValue());

    Map<String, Object> repair = l.json(1, "fsck", "--repair", "--json");
    assertEquals(0L, ((Number) repair.get("repaired")).longValue(), "no peer has a good copy");
    Run read = Launcher.sh("cat '" + docs + "/good' | wc -c");
    assertEquals("2000000", read.out().trim());
  }
}
