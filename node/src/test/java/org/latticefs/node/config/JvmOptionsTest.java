package org.latticefs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The daemon's JVM is bounded by the config (issue 10, item 15). */
class JvmOptionsTest {
  @Test
  void theDefaultsBoundHeapAndDirectMemoryAndGiveMemoryBack() {
    List<String> o = JvmOptions.forDaemon(NodeConfig.DEFAULTS);
    assertTrue(o.contains("-Xmx262144k"), o.toString());
    assertTrue(o.contains("-XX:MaxDirectMemorySize=65536k"), o.toString());
    assertTrue(o.contains("-XX:+UseG1GC"), o.toString());
    assertTrue(o.stream().anyMatch(s -> s.startsWith("-XX:G1PeriodicGCInterval=")), o.toString());
  }

  @Test
  void theConfigSizesThemAndLatticeJavaOptsComeLastToWin() {
    NodeConfig c = NodeConfig.fromMap(Map.of("memory.heap", "1G", "memory.direct", "100M"));
    List<String> o = JvmOptions.forDaemon(c, Map.of("LATTICE_JAVA_OPTS", " -Xmx2g  -Dx=y "));
    assertTrue(o.contains("-Xmx1048576k"), o.toString());
    assertTrue(o.contains("-XX:MaxDirectMemorySize=102400k"), o.toString());
    assertEquals(List.of("-Xmx2g", "-Dx=y"), o.subList(o.size() - 2, o.size()));
  }
}
