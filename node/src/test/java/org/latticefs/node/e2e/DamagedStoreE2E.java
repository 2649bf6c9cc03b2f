package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Stores;
import org.latticefs.node.control.Json;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * Damaged stores end to end: a byte flipped inside the acknowledged part of an app store's log
 * leaves that folder out of the mount while the others work, and {@code status} names the file; the
 * same in the root store's log stops {@code mount} with kv's message naming the file and what to
 * do.
 */
@Tag("slow")
class DamagedStoreE2E {
  @TempDir Path tmp;
  E2eNode node;

  @BeforeEach
  void setUp() throws Exception {
    MountE2E.requireFuse();
    node = new E2eNode(tmp.resolve("home"), tmp.resolve("mnt"));
  }

  @AfterEach
  void tearDown() throws Exception {
    node.cleanUp();
  }

  @Test
  void aDamagedAppStoreIsAbsentAndNamedAndADamagedRootStopsTheMount() throws Exception {
    node.mount();
    Run w =
        MountE2E.sh(
            "set -e; cd '"
                + node.mnt
                + "'; mkdir good bad; echo fine > good/a.txt; echo lost > bad/b.txt");
    assertEquals(0, w.code(), w.err());
    node.unmount();

    Path badLog = onlyLog(storeDir(storeId("bad")));
    flipInFirstEntry(badLog);
    node.mount();
    assertEquals("good\n", MountE2E.sh("ls '" + node.mnt + "'").out());
    assertEquals("fine\n", MountE2E.sh("cat '" + node.mnt + "/good/a.txt'").out());
    assertNotEquals(0, MountE2E.sh("ls '" + node.mnt + "/bad'").code());
    assertEquals(0, MountE2E.sh("echo more > '" + node.mnt + "/good/c.txt'").code());
    Run status = node.lattice("status");
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().contains("damaged " + badLog + ": "), status.out());
    Map<String, Object> sj = Json.parseObject(node.lattice("status", "--json").out(), 1 << 20);
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> damaged = (List<Map<String, Object>>) sj.get("damaged");
    assertEquals(1, damaged.size(), sj.toString());
    assertEquals(badLog.toString(), damaged.get(0).get("file"));
    assertEquals("bad", damaged.get(0).get("store"));
    node.unmount();

    Path rootLog = onlyLog(storeDir(Stores.ROOT_ID.toString()));
    flipInFirstEntry(rootLog);
    Run refused = node.lattice("mount", "--daemon", node.mnt.toString());
    assertNotEquals(0, refused.code(), refused.out());
    assertTrue(refused.err().contains(rootLog.toString()), refused.err());
  }

  private String storeId(String name) throws Exception {
    Run ls = node.lattice("store", "ls", "--json");
    for (Object o : (List<?>) Json.parse(ls.out(), 1 << 20)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      if (name.equals(m.get("name"))) {
        return (String) m.get("id");
      }
    }
    throw new AssertionError("no store " + name + ": " + ls.out());
  }

  private Path storeDir(String id) {
    return node.home.resolve("kv/stores").resolve(id);
  }

  private static Path onlyLog(Path storeDir) throws Exception {
    try (Stream<Path> logs = Files.list(storeDir.resolve("logs"))) {
      List<Path> all = logs.filter(p -> p.toString().endsWith(".log")).toList();
      assertEquals(1, all.size(), all.toString());
      return all.get(0);
    }
  }

  /** Flips a byte in the middle of the log's first entry (SigChainLog: 56-byte header). */
  private static void flipInFirstEntry(Path log) throws Exception {
    try (FileChannel ch =
        FileChannel.open(log, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, 56 + 60);
      b.put(0, (byte) (b.get(0) ^ 0x01));
      b.rewind();
      ch.write(b, 56 + 60);
    }
  }
}
