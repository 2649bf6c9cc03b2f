package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Conflict-copy names: the extension kept, the original parsed back. */
class ConflictNamesTest {
  @Test
  void conflictNamesKeepTheExtensionAndParseBack() {
    byte[] key = new byte[32];
    key[0] = 0x3f;
    var node = new org.latticefs.kv.NodeId(key);
    var hlc = new org.latticefs.kv.Hlc(1_764_511_387_000L, 0);
    String n = ConflictNames.name("report.pdf", node, hlc, 1);
    assertEquals("report.conflict-3f000000-20251130T140307Z.pdf", n);
    assertEquals("report.pdf", ConflictNames.original(n).orElseThrow());
    String dup = ConflictNames.name("Makefile", node, hlc, 2);
    assertEquals("Makefile.conflict-3f000000-20251130T140307Z-2", dup);
    assertEquals("Makefile", ConflictNames.original(dup).orElseThrow());
    assertEquals(
        ".bashrc", ConflictNames.original(ConflictNames.name(".bashrc", node, hlc, 1)).get());
  }
}
