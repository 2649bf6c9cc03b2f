package org.latticefs.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.fs.inode.Inode;
import org.latticefs.node.Daemon;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;

/**
 * Copies across real daemons (separate data directories and mounts, meshed over 127.0.0.1): a full
 * store mirrored in the background, a folder pinned on a node that held none of it (across a
 * restart), and cache eviction that drops a copy only while another node confirms it keeps one.
 */
@Tag("slow")
class ReplicasTest {
  @TempDir Path tmp;

  static NodeConfig config(Map<String, String> extra) throws Exception {
    Map<String, String> m = new LinkedHashMap<>(NodeConfig.toMap(TwoNodesMountTest.fixedPort()));
    m.putAll(extra);
    return NodeConfig.fromMap(m);
  }

  /** A folder of files on {@code mnt}: name -> seed, sizes spanning several chunks. */
  static Map<String, Long> writeFolder(Path dir, long seedBase) throws Exception {
    Files.createDirectories(dir);
    Map<String, Long> files = new LinkedHashMap<>();
    long[] sizes = {6L << 20, 3L << 20, 1_234_567, 10_000};
    for (int i = 0; i < sizes.length; i++) {
      Path f = dir.resolve("f" + i + ".bin");
      BytesFromPeersTest.writeFile(f, sizes[i], seedBase + i);
      files.put(f.getFileName().toString(), sizes[i]);
    }
    return files;
  }

  /** Every file of {@code files} reads on {@code dir} byte-identical to what was written. */
  static void readsWhole(Path dir, Map<String, Long> files, long seedBase) throws Exception {
    int i = 0;
    for (Map.Entry<String, Long> e : files.entrySet()) {
      byte[] got = Files.readAllBytes(dir.resolve(e.getKey()));
      assertEquals(e.getValue().longValue(), got.length, e.getKey());
      assertTrue(
          java.util.Arrays.equals(BytesFromPeersTest.expected(seedBase + i, 0, got.length), got),
          e.getKey() + " reads as written");
      i++;
    }
  }

  static void visible(Path dir, Map<String, Long> files) throws Exception {
    for (Map.Entry<String, Long> e : files.entrySet()) {
      BytesFromPeersTest.awaitSize(dir.resolve(e.getKey()), e.getValue());
    }
  }

  @SuppressWarnings("unchecked")
  static Map<String, Object> mirrorOf(Daemon d, String store) {
    Map<String, Object> m = d.status().mirror();
    Object stores = m == null ? null : m.get("stores");
    return stores instanceof Map<?, ?> s && s.get(store) instanceof Map<?, ?> row
        ? (Map<String, Object>) row
        : Map.of();
  }

  static void gc(Daemon d) throws Exception {
    String id = d.startGc("gc");
    Poll.until("gc " + id + " ends", () -> !d.gcJob(id).state().equals("running"));
    assertEquals("done", d.gcJob(id).state(), d.gcJob(id).toString());
  }

  /** The daemons of a test, stopped at its end whichever are running then. */
  static final class Running implements AutoCloseable {
    Daemon a;
    Daemon b;

    @Override
    public void close() {
      if (b != null) {
        b.stop();
      }
      if (a != null) {
        a.stop();
      }
    }
  }

  @Test
  void aFullStoreIsMirroredInTheBackgroundAndReadsOnBAfterAStops() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    try (Running r = new Running()) {
      r.a = Daemon.start(new DataDir(tmp.resolve("a")), config(Map.of()), mntA);
      r.b = Daemon.start(new DataDir(tmp.resolve("b")), config(Map.of()), mntB);
      r.b.join(r.a.invite(600));
      Map<String, Long> files = writeFolder(mntA.resolve("media/album"), 10);
      // Files up to Inode.MAX_INLINE travel inside their log entries: the mirror fetches the rest.
      long total =
          files.values().stream()
              .mapToLong(Long::longValue)
              .filter(n -> n > Inode.MAX_INLINE)
              .sum();
      visible(mntB.resolve("media/album"), files);
      Daemon fb = r.b;
      // Nothing reads on B: the bytes come by the mirror alone.
      Poll.until(
          "B mirrored media whole",
          () ->
              "whole".equals(mirrorOf(fb, "media").get("phase"))
                  && ((Number) fb.status().mirror().get("fetched_bytes")).longValue() >= total);
      r.a.stop();
      readsWhole(mntB.resolve("media/album"), files, 10);
    }
  }

  @Test
  void aFolderPinnedOnBFetchesWholeAcrossARestartOfBThenReadsWithAGone() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirB = new DataDir(tmp.resolve("b"));
    // A uploads slowly, so B's restart falls in the middle of the pin's walk.
    try (Running r = new Running()) {
      r.a =
          Daemon.start(new DataDir(tmp.resolve("a")), config(Map.of("mesh.max_rate", "3M")), mntA);
      NodeConfig confB = config(Map.of());
      r.b = Daemon.start(dirB, confB, mntB);
      r.b.join(r.a.invite(600));
      Files.createDirectories(mntA.resolve("media"));
      Daemon fb = r.b;
      Poll.until(
          "B knows media", () -> fb.stores().stream().anyMatch(s -> s.name().equals("media")));
      r.b.setStoreMode("media", "on-demand"); // no mirror: only the pin brings bytes
      Map<String, Long> files = writeFolder(mntA.resolve("media/album"), 20);
      visible(mntB.resolve("media/album"), files);
      r.b.pinAdd(mntB.resolve("media/album").toString());
      Poll.until(
          "the pin's walk fetched some",
          () -> ((Number) fb.pins().get(0).get("fetched_bytes")).longValue() > 0);
      assertEquals("pending", r.b.pins().get(0).get("state"), "restarted midway, not after");
      r.b.stop();
      r.b = Daemon.start(dirB, confB, mntB);
      Daemon fb2 = r.b;
      Poll.until("the pin is stored", () -> "stored".equals(fb2.pins().get(0).get("state")));
      r.a.stop();
      readsWhole(mntB.resolve("media/album"), files, 20);
    }
  }

  @Test
  void bEvictsItsCacheOnlyWhileAConfirmsAndNeverWhatOnlyBHolds() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirA = new DataDir(tmp.resolve("a"));
    NodeConfig confA = config(Map.of());
    // 20 MiB quota: 16 MiB of cache and 1 MiB of B's own is above the low mark (16 MiB), below the
    // high one (18 MiB): only an asked-for pass evicts.
    NodeConfig confB = config(Map.of("storage.quota", "20M", "gc.interval", "0"));
    try (Running r = new Running()) {
      r.a = Daemon.start(dirA, confA, mntA);
      r.b = Daemon.start(new DataDir(tmp.resolve("b")), confB, mntB);
      r.b.join(r.a.invite(600));
      String idA = r.a.nodeId();
      // "solo": a store both keep on-demand; what B writes there only B holds.
      Files.createDirectories(mntB.resolve("solo"));
      Daemon fa = r.a;
      Poll.until("A knows solo", () -> fa.stores().stream().anyMatch(s -> s.name().equals("solo")));
      r.a.setStoreMode("solo", "on-demand");
      r.b.setStoreMode("solo", "on-demand");
      Path own = mntB.resolve("solo/own.bin");
      BytesFromPeersTest.writeFile(own, 1L << 20, 31);
      Files.createDirectories(mntA.resolve("media"));
      Daemon fb = r.b;
      Poll.until(
          "B knows media", () -> fb.stores().stream().anyMatch(s -> s.name().equals("media")));
      r.b.setStoreMode("media", "on-demand");
      Path onA = mntA.resolve("media/big.bin");
      BytesFromPeersTest.writeFile(onA, 16L << 20, 32);
      String digest = BytesFromPeersTest.sha256(onA);
      Poll.until("A claims media whole", () -> "whole".equals(mirrorOf(fa, "media").get("phase")));
      BytesFromPeersTest.awaitSize(mntB.resolve("media/big.bin"), 16L << 20);
      assertEquals(digest, BytesFromPeersTest.sha256(mntB.resolve("media/big.bin")));
      Poll.until("B keeps what it read", () -> fb.status().blobBytes() > (17L << 20) - (64 << 10));
      long before = r.b.status().blobCount();

      r.a.stop(); // A down: nobody confirms
      Poll.until("B sees A gone", () -> !connected(fb, idA));
      gc(r.b);
      assertEquals(before, r.b.status().blobCount(), "nothing evicted while A is down");

      r.a = Daemon.start(dirA, confA, mntA);
      Poll.until("B connected to A again", () -> connected(fb, idA));
      gc(r.b);
      long after = r.b.status().blobCount();
      assertTrue(after < before, "A confirms: B's oldest cache goes");

      r.b.forget(idA); // forgotten: A's copies no longer count
      assertEquals(
          digest, BytesFromPeersTest.sha256(mntB.resolve("media/big.bin"))); // cached again
      Poll.until("B keeps all it read again", () -> fb.status().blobCount() == before);
      gc(r.b);
      assertEquals(before, r.b.status().blobCount(), "nothing evicted while A is forgotten");

      assertEquals(digest, BytesFromPeersTest.sha256(mntB.resolve("media/big.bin")));
      r.a.stop(); // what only B holds is all still here
      byte[] got = Files.readAllBytes(own);
      assertTrue(java.util.Arrays.equals(BytesFromPeersTest.expected(31, 0, got.length), got));
    }
  }

  static boolean connected(Daemon d, String id) throws Exception {
    List<NodeApi.PeerRow> peers = d.peers();
    return peers.stream().anyMatch(p -> p.id().equals(id) && p.connected());
  }
}
