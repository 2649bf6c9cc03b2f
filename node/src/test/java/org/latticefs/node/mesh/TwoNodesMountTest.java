package org.latticefs.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.Daemon;
import org.latticefs.node.FuseAvailable;
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
