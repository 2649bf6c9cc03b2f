package org.latticefs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NodeConfigTest {
  @TempDir Path dir;

  @Test
  void missingFileMeansDefaults() throws Exception {
    assertEquals(NodeConfig.DEFAULTS, NodeConfig.load(dir.resolve("none.properties")));
  }

  @Test
  void readsEveryKey() throws Exception {
    Path f = dir.resolve("config.properties");
    Files.writeString(
        f,
        "# example\nstorage.quota = 20G\nstorage.min_free=512M\ncache.chunk_bytes=100m\n"
            + "memory.heap=1G\nmemory.direct=128M\ncache.kv_bytes=48M\nfs.readahead_bytes=8M\n"
            + "log.level=INFO\nmount.options=allow_other\n");
    NodeConfig c = NodeConfig.load(f);
    assertEquals(20L << 30, c.storageQuota());
    assertEquals(512L << 20, c.minFreeSpace());
    assertEquals(100L << 20, c.chunkCacheBytes());
    assertEquals(1L << 30, c.heapBytes());
    assertEquals(128L << 20, c.directBytes());
    assertEquals(48L << 20, c.kvCacheBytes());
    assertEquals(8L << 20, c.readaheadBytes());
    assertEquals("info", c.logLevel());
    assertEquals(java.util.List.of("allow_other"), c.mountOptions().options());
    assertEquals(NodeConfig.KEYS, NodeConfig.toMap(c).keySet());
  }

  @Test
  void readsTheMeshKeysAndTheOwnerPolicy() throws Exception {
    String peer = org.latticefs.kv.NodeId.of(new byte[32], 0).toString();
    NodeConfig c =
        NodeConfig.fromMap(
            Map.of(
                "mesh.listen", "127.0.0.1:4711",
                "mesh.name", "nas",
                "mesh.announce", "example.org:4710, 10.0.0.2:4710",
                "mesh.peers", peer + "@10.0.0.7:4710," + peer + "@[fd00::7]:4710",
                "mesh.mdns", "off",
                "fs.owner", "1000:100"));
    assertEquals("127.0.0.1:4711", c.mesh().listen().toString());
    assertEquals("nas", c.mesh().name());
    assertEquals(2, c.mesh().announce().size());
    assertEquals(
        java.util.List.of("10.0.0.7:4710", "[fd00::7]:4710"),
        c.mesh().peers().get(org.latticefs.kv.NodeId.parse(peer)).stream()
            .map(Object::toString)
            .toList());
    assertEquals(false, c.mesh().mdns());
    assertEquals("1000:100", c.fsOwner());
    assertEquals(c, NodeConfig.fromMap(NodeConfig.toMap(c)));
    assertEquals(null, NodeConfig.fromMap(Map.of("mesh.listen", "off")).mesh().listen());
    assertEquals("0.0.0.0:4710", NodeConfig.DEFAULTS.mesh().listen().toString());
    assertEquals("stored", NodeConfig.DEFAULTS.fsOwner());
    for (Map<String, String> bad :
        java.util.List.of(
            Map.of("mesh.listen", "nowhere"),
            Map.of("mesh.listen", "127.0.0.1:70000"),
            Map.of("mesh.peers", "10.0.0.7:4710"),
            Map.of("mesh.peers", "lat1nonsense@10.0.0.7:4710"),
            Map.of("mesh.announce", "host-without-port"),
            Map.of("mesh.mdns", "maybe"),
            Map.of("fs.owner", "root"))) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> NodeConfig.fromMap(bad));
      String key = bad.keySet().iterator().next();
      assertTrue(e.getMessage().contains(key), key + ": " + e.getMessage());
    }
  }

  @Test
  void typosAndBadValuesAreErrorsNamingTheKey() throws Exception {
    Path f = dir.resolve("config.properties");
    Files.writeString(f, "storage.qouta=1G\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeConfig.load(f));
    assertTrue(e.getMessage().contains("unknown config key 'storage.qouta'"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class, () -> NodeConfig.fromMap(Map.of("storage.quota", "lots")));
    assertThrows(
        IllegalArgumentException.class, () -> NodeConfig.fromMap(Map.of("log.level", "loud")));
    assertThrows(IllegalArgumentException.class, () -> NodeConfig.parseSize("-1"));
    assertThrows(IllegalArgumentException.class, () -> NodeConfig.parseSize("99999999999T"));
    assertEquals(1024, NodeConfig.parseSize("1K"));
    assertEquals(3, NodeConfig.parseSize("3"));
  }

  @Test
  void cachesMustFitTheHeapTheyLiveOn() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> NodeConfig.fromMap(Map.of("cache.chunk_bytes", "512M")));
    assertTrue(
        e.getMessage()
            .startsWith(
                "cache.chunk_bytes (536870912) must be at most half of"
                    + " memory.heap (268435456)"),
        e.getMessage());
    assertEquals(
        512L << 20,
        NodeConfig.fromMap(Map.of("cache.chunk_bytes", "512M", "memory.heap", "1G"))
            .chunkCacheBytes());
    assertThrows(
        IllegalArgumentException.class, () -> NodeConfig.fromMap(Map.of("memory.heap", "32M")));
    assertThrows(
        IllegalArgumentException.class, () -> NodeConfig.fromMap(Map.of("memory.direct", "1M")));
    assertThrows(
        IllegalArgumentException.class, () -> NodeConfig.fromMap(Map.of("cache.kv_bytes", "128M")));
  }

  @Test
  void mountOptionsAreCheckedWhenTheConfigIsRead() {
    assertEquals(
        MountOptions.NONE, NodeConfig.fromMap(Map.of("mount.options", ",,,")).mountOptions());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> NodeConfig.fromMap(Map.of("mount.options", "allow_other,frobnicate")));
    assertTrue(
        e.getMessage().startsWith("mount.options: unknown mount option 'frobnicate' (known: "),
        e.getMessage());
  }

  @Test
  void theExampleConfigLoads() throws Exception {
    Path example =
        Path.of(System.getProperty("basedir", System.getProperty("user.dir")))
            .getParent()
            .resolve("deploy/config.properties.example");
    NodeConfig c = NodeConfig.load(example);
    assertTrue(c.chunkCacheBytes() <= c.heapBytes() / 2);
  }

  @Test
  void dataDirResolution() {
    assertEquals(
        Path.of("/x/y"), DataDir.resolve(Path.of("/x/y"), Map.of("LATTICE_HOME", "/z")).root());
    assertEquals(Path.of("/z"), DataDir.resolve(null, Map.of("LATTICE_HOME", "/z")).root());
    assertEquals(
        Path.of("/d/lattice"), DataDir.resolve(null, Map.of("XDG_DATA_HOME", "/d")).root());
    assertEquals(
        Path.of(System.getProperty("user.home"), ".local/share/lattice"),
        DataDir.resolve(null, Map.of()).root());
  }
}
