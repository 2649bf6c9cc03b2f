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
        "# example\nstorage.quota = 20G\nstorage.min_free=512M\ncache.chunk_bytes=64m\n"
            + "log.level=INFO\nmount.options=allow_other\n");
    NodeConfig c = NodeConfig.load(f);
    assertEquals(20L << 30, c.storageQuota());
    assertEquals(512L << 20, c.minFreeSpace());
    assertEquals(64L << 20, c.chunkCacheBytes());
    assertEquals("info", c.logLevel());
    assertEquals("allow_other", c.mountOptions());
    assertEquals(NodeConfig.KEYS, NodeConfig.toMap(c).keySet());
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
