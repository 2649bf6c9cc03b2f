package org.latticefs.fs.fuse;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Node ids to the core's paths: references, renames, unlinks, non-UTF-8 bytes, the length cap. */
class NodeTableTest {
  private static byte[] b(String s) {
    return s.getBytes(UTF_8);
  }

  @Test
  void pathsFollowParentsAndRenames() throws Exception {
    NodeTable t = new NodeTable();
    long dir = t.ref(NodeTable.ROOT, b("dir"));
    long file = t.ref(dir, b("f"));
    assertEquals("/", t.path(NodeTable.ROOT));
    assertEquals("/dir/f", t.path(file));
    assertEquals("/dir/g", t.path(dir, b("g")));
    t.move(NodeTable.ROOT, b("dir"), NodeTable.ROOT, b("moved"));
    assertEquals("/moved/f", t.path(file), "a child follows its renamed directory");
    assertEquals(dir, t.ref(NodeTable.ROOT, b("moved")), "the same name gives the same node");
  }

  @Test
  void anUnlinkedNodeKeepsItsIdWithoutAPathUntilForgotten() throws Exception {
    NodeTable t = new NodeTable();
    long f = t.ref(NodeTable.ROOT, b("f"));
    t.remove(NodeTable.ROOT, b("f"));
    assertNull(t.path(f));
    assertFalse(t.hasPath(f));
    long again = t.ref(NodeTable.ROOT, b("f"));
    assertNotEquals(f, again, "a new file of the same name is a new node");
    t.forget(f, 1);
    assertEquals(2, t.size());
  }

  @Test
  void aRenameOverANameDetachesTheReplacedNode() throws Exception {
    NodeTable t = new NodeTable();
    long a = t.ref(NodeTable.ROOT, b("a"));
    long target = t.ref(NodeTable.ROOT, b("b"));
    t.move(NodeTable.ROOT, b("a"), NodeTable.ROOT, b("b"));
    assertEquals("/b", t.path(a));
    assertNull(t.path(target));
  }

  @Test
  void referencesCountUntilTheLastForget() throws Exception {
    NodeTable t = new NodeTable();
    long f = t.ref(NodeTable.ROOT, b("f"));
    t.ref(NodeTable.ROOT, b("f"));
    t.forget(f, 1);
    assertTrue(t.hasPath(f));
    t.forget(f, 1);
    assertFalse(t.hasPath(f));
    assertEquals(0, t.find(NodeTable.ROOT, b("f")));
    t.forget(NodeTable.ROOT, 5);
    assertEquals("/", t.path(NodeTable.ROOT), "the root is never forgotten");
  }

  @Test
  void namesThatAreNotUtf8KeepTheirBytes() throws Exception {
    NodeTable t = new NodeTable();
    long e9 = t.ref(NodeTable.ROOT, new byte[] {'c', 'a', 'f', (byte) 0xe9});
    long e8 = t.ref(NodeTable.ROOT, new byte[] {'c', 'a', 'f', (byte) 0xe8});
    assertNotEquals(t.path(e9), t.path(e8));
  }

  @Test
  void deepPathsStopAtTheCap() throws Exception {
    NodeTable t = new NodeTable();
    long node = NodeTable.ROOT;
    byte[] name = new byte[255];
    java.util.Arrays.fill(name, (byte) 'x');
    for (int i = 0; i < NodeTable.MAX_PATH / 256 + 1; i++) {
      node = t.ref(node, name);
    }
    long deepest = node;
    assertThrows(NodeTable.PathTooLongException.class, () -> t.path(deepest));
  }
}
