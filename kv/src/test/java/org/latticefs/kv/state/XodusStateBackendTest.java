package org.latticefs.kv.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Op;

class XodusStateBackendTest extends StateBackendContract {
  @TempDir Path dir;

  @Override
  StateBackend newBackend() throws Exception {
    return XodusStateBackend.open(dir.resolve("state"));
  }

  @Test
  void survivesCloseAndReopen() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    BlobRef digest = state.digest();
    state.close();
    state = XodusStateBackend.open(dir.resolve("state"));
    assertEquals(digest, state.digest());
    assertArrayEquals(utf8("a"), state.get("/k").orElseThrow());
  }

  @Test
  void garbageInTheDirectoryIsReportedAsCorruption() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    state.close();
    try (Stream<Path> files = Files.list(dir.resolve("state"))) {
      for (Path f : files.filter(p -> p.toString().endsWith(".xd")).toList()) {
        byte[] junk = new byte[(int) Files.size(f)];
        java.util.Arrays.fill(junk, (byte) 0x5a);
        Files.write(f, junk);
      }
    }
    assertThrows(
        CorruptStateException.class,
        () -> {
          state = XodusStateBackend.open(dir.resolve("state"));
          state.check();
        });
    state = new MemoryStateBackend();
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> walk = Files.walk(p)) {
      for (Path f : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
