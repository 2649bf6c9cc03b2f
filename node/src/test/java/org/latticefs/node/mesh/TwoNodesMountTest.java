package org.latticefs.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.node.Daemon;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;

/**
 * Two daemons in one JVM, each with its own data directory and mount, meshed over 127.0.0.1: a tree
 * copied into A's mount appears in B's with the same names, sizes and times (the bytes travel in a
 * later issue).
 */
@Tag("slow")
class TwoNodesMountTest {
  @TempDir Path tmp;

  static NodeConfig loopback() {
    return NodeConfig.fromMap(Map.of("mesh.listen", "127.0.0.1:0", "mesh.mdns", "off"));
  }

  @Test
  void aTreeWrittenOnAShowsOnBWithTheSameNamesSizesAndTimes() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    Daemon a = Daemon.start(new DataDir(tmp.resolve("a")), loopback(), mntA);
    try {
      Daemon b = Daemon.start(new DataDir(tmp.resolve("b")), loopback(), mntB);
      try {
        b.join(a.invite(600));
        Files.createDirectories(mntA.resolve("photos/2024/summer"));
        for (int i = 0; i < 20; i++) {
          Path f = mntA.resolve("photos/2024/summer/img-" + i + ".jpg");
          Files.write(f, new byte[1000 * i + 1]);
          Files.setLastModifiedTime(f, FileTime.fromMillis(1_700_000_000_000L + i * 1000L));
        }
        Files.writeString(mntA.resolve("photos/notes.txt"), "hello");
        Map<String, String> onA = tree(mntA.resolve("photos"));
        Poll.until("B shows A's tree", () -> onA.equals(treeOrEmpty(mntB.resolve("photos"))));
        // And the other way, live: a file made on B shows on A within the attribute timeout.
        Files.writeString(mntB.resolve("photos/from-b.txt"), "b");
        Poll.until("A shows B's file", () -> Files.exists(mntA.resolve("photos/from-b.txt")));
        assertEquals(1, Files.size(mntA.resolve("photos/from-b.txt")));
        // Attributes B already looked up follow A's change (the kernel cache expires in 0.5 s).
        Path seen = mntB.resolve("photos/notes.txt");
        assertEquals(5, Files.size(seen));
        long[] ms = new long[5];
        for (int i = 0; i < ms.length; i++) {
          long t0 = System.nanoTime();
          Files.writeString(mntA.resolve("photos/notes.txt"), "x".repeat(10 + i));
          long want = 10 + i;
          Poll.until("B sees the new size", () -> Files.size(seen) == want);
          ms[i] = (System.nanoTime() - t0) / 1_000_000;
        }
        System.out.println("change on A visible on B after (ms): " + java.util.Arrays.toString(ms));
      } finally {
        b.stop();
      }
    } finally {
      a.stop();
    }
  }

  @Test
  void eachNodeShowsFilesAsOwnedByItsOwnUser() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    Daemon a = Daemon.start(new DataDir(tmp.resolve("a")), owner("2001:2001"), mntA);
    try {
      Daemon b = Daemon.start(new DataDir(tmp.resolve("b")), owner("2002:2002"), mntB);
      try {
        b.join(a.invite(600));
        Files.createDirectories(mntA.resolve("docs"));
        Path onA = mntA.resolve("docs/report.txt");
        Files.writeString(onA, "written on a");
        assertEquals(2001, Files.getAttribute(onA, "unix:uid"));
        assertEquals(2001, Files.getAttribute(onA, "unix:gid"));
        Path onB = mntB.resolve("docs/report.txt");
        Poll.until("B shows the file", () -> Files.exists(onB));
        assertEquals(2002, Files.getAttribute(onB, "unix:uid"));
        assertEquals(2002, Files.getAttribute(onB, "unix:gid"));
        // A chown is recorded (a node showing the stored numbers would show it) and harmless.
        Files.setAttribute(onB, "unix:uid", 4242);
        assertEquals(2002, Files.getAttribute(onB, "unix:uid"));
      } finally {
        b.stop();
      }
    } finally {
      a.stop();
    }
  }

  @Test
  void editsOnBothWhileApartConvergeWithAConflictCopy() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirA = new DataDir(tmp.resolve("a"));
    DataDir dirB = new DataDir(tmp.resolve("b"));
    // Each node keeps its port across restarts, as a box listening on 4710 does: a peer that was
    // down finds it at the address it knows.
    NodeConfig confA = fixedPort();
    NodeConfig confB = fixedPort();
    Daemon a = Daemon.start(dirA, confA, mntA);
    Daemon b = Daemon.start(dirB, confB, mntB);
    try {
      b.join(a.invite(600));
      Files.createDirectories(mntA.resolve("docs"));
      Files.writeString(mntA.resolve("docs/report.txt"), "first");
      Poll.until("b has the file", () -> Files.exists(mntB.resolve("docs/report.txt")));
      // Apart: a is down while b edits; then b is down while a edits.
      a.stop();
      Files.writeString(mntB.resolve("docs/report.txt"), "edited on b");
      Files.writeString(mntB.resolve("docs/only-b.txt"), "b");
      b.stop();
      a = Daemon.start(dirA, confA, mntA);
      Files.writeString(mntA.resolve("docs/report.txt"), "edited on a, longer");
      Files.writeString(mntA.resolve("docs/only-a.txt"), "a");
      b = Daemon.start(dirB, confB, mntB);
      Daemon fa = a;
      Daemon fb = b;
      Poll.until(
          "both have every key with the same heads",
          () -> fa.list("docs", "/", null, 100_000).size() > 0 && sameState(fa, fb, "docs"));
      Poll.until(
          "both mounts list the same names",
          () -> tree(mntA.resolve("docs")).keySet().equals(tree(mntB.resolve("docs")).keySet()));
      List<String> names = new ArrayList<>(tree(mntA.resolve("docs")).keySet());
      assertTrue(names.contains("only-a.txt") && names.contains("only-b.txt"), names.toString());
      assertEquals(
          1,
          names.stream()
              .filter(n -> n.startsWith("report.conflict-") && n.endsWith(".txt"))
              .count(),
          "one conflict copy of report.txt: " + names);
      assertEquals(
          Files.size(mntA.resolve("docs/report.txt")), Files.size(mntB.resolve("docs/report.txt")));
    } finally {
      b.stop();
      a.stop();
    }
  }

  /**
   * A deletes a file while B, apart, edits it; when they meet, the edit is still there on both
   * nodes: under its name or as a conflict copy beside where it was (whichever came later).
   */
  @Test
  @Disabled(
      "issue 15, not fixed: the edit vanishes (fails both ways). An edit commits only the inode key;"
          + " the delete removes the dirent and the inode, so after the merge the name is gone and the"
          + " edit is a head of an inode no dirent names. Needs the edit to re-put its dirent and"
          + " kv/fs to show a put that lost to a concurrent delete (or puts to win over concurrent"
          + " deletes)")
  void anEditThatMeetsADeleteFromAnotherNodeIsKept() throws Exception {
    deleteMeetsEdit(true);
  }

  /** As above with the order reversed: B deletes first, A edits later. */
  @Test
  @Disabled(
      "issue 15, not fixed: the edit vanishes (fails both ways). An edit commits only the inode key;"
          + " the delete removes the dirent and the inode, so after the merge the name is gone and the"
          + " edit is a head of an inode no dirent names. Needs the edit to re-put its dirent and"
          + " kv/fs to show a put that lost to a concurrent delete (or puts to win over concurrent"
          + " deletes)")
  void anEditMadeAfterADeleteOnAnotherNodeIsKept() throws Exception {
    deleteMeetsEdit(false);
  }

  void deleteMeetsEdit(boolean deleteLast) throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirA = new DataDir(tmp.resolve("a"));
    DataDir dirB = new DataDir(tmp.resolve("b"));
    NodeConfig confA = fixedPort();
    NodeConfig confB = fixedPort();
    Daemon a = Daemon.start(dirA, confA, mntA);
    Daemon b = Daemon.start(dirB, confB, mntB);
    // The node that deletes, and the one that edits.
    Path gone = deleteLast ? mntA : mntB;
    Path edit = deleteLast ? mntB : mntA;
    try {
      b.join(a.invite(600));
      Files.createDirectories(mntA.resolve("docs"));
      Files.writeString(mntA.resolve("docs/report.txt"), "first");
      Poll.until("b has the file", () -> Files.exists(mntB.resolve("docs/report.txt")));
      // Apart: a is down while b changes the file; then b is down while a does.
      a.stop();
      if (deleteLast) {
        Files.writeString(mntB.resolve("docs/report.txt"), "edited on b");
      } else {
        Files.delete(mntB.resolve("docs/report.txt"));
      }
      b.stop();
      a = Daemon.start(dirA, confA, mntA);
      if (deleteLast) {
        Files.delete(mntA.resolve("docs/report.txt"));
      } else {
        Files.writeString(mntA.resolve("docs/report.txt"), "edited on a");
      }
      b = Daemon.start(dirB, confB, mntB);
      Daemon fa = a;
      Daemon fb = b;
      Poll.until("both have every key with the same heads", () -> sameState(fa, fb, "docs"));
      Poll.until(
          "both mounts list the same names",
          () -> tree(mntA.resolve("docs")).keySet().equals(tree(mntB.resolve("docs")).keySet()));
      String edited = deleteLast ? "edited on b" : "edited on a";
      for (Path m : List.of(gone, edit)) {
        List<String> withEdit = new ArrayList<>();
        for (String n : tree(m.resolve("docs")).keySet()) {
          Path f = m.resolve("docs").resolve(n);
          if (Files.isRegularFile(f) && Files.readString(f).equals(edited)) {
            withEdit.add(n);
          }
        }
        assertEquals(
            1,
            withEdit.size(),
            "the edit shows once on " + m + ": " + tree(m.resolve("docs")).keySet());
        String n = withEdit.get(0);
        assertTrue(
            n.equals("report.txt") || (n.startsWith("report.conflict-") && n.endsWith(".txt")), n);
      }
    } finally {
      b.stop();
      a.stop();
    }
  }

  /** Same live keys and values, and the same heads (winner and losers) for every key. */
  static boolean sameState(Daemon x, Daemon y, String store) throws Exception {
    List<NodeApi.Row> kx = x.list(store, "/", null, 100_000);
    List<NodeApi.Row> ky = y.list(store, "/", null, 100_000);
    if (kx.size() != ky.size()) {
      return false;
    }
    for (int i = 0; i < kx.size(); i++) {
      if (!kx.get(i).key().equals(ky.get(i).key())
          || !java.util.Arrays.equals(kx.get(i).value(), ky.get(i).value())
          || !headIds(x, store, kx.get(i).key()).equals(headIds(y, store, kx.get(i).key()))) {
        return false;
      }
    }
    return true;
  }

  /** The entries that are a key's heads (HeadRow holds a byte[], so compare by entry hash). */
  static List<String> headIds(Daemon d, String store, String key) throws Exception {
    return d.heads(store, key).stream().map(NodeApi.HeadRow::entry).sorted().toList();
  }

  static NodeConfig fixedPort() throws java.io.IOException {
    int port;
    try (java.net.ServerSocket s =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    return NodeConfig.fromMap(Map.of("mesh.listen", "127.0.0.1:" + port, "mesh.mdns", "off"));
  }

  static NodeConfig owner(String owner) {
    return NodeConfig.fromMap(
        Map.of("mesh.listen", "127.0.0.1:0", "mesh.mdns", "off", "fs.owner", owner));
  }

  /** Relative path -> "size mtime-millis" (directories: "dir"). */
  static Map<String, String> tree(Path root) throws Exception {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        String rel = root.relativize(p).toString();
        out.put(
            rel,
            Files.isDirectory(p)
                ? "dir"
                : Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis());
      }
    }
    return out;
  }

  static Map<String, String> treeOrEmpty(Path root) {
    try {
      return Files.isDirectory(root) ? tree(root) : Map.of();
    } catch (Exception e) {
      return Map.of();
    }
  }
}
