package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.control.Json;

/**
 * Two nodes as separate processes through {@code ./lattice-fs}: each its own {@code --home}, mount
 * and port on 127.0.0.1. Invite and join, a tree written on A shows on B, B killed with SIGKILL in
 * the middle of a sync comes back and converges, and a revocation cuts the live connection.
 */
@Tag("slow")
class MeshE2E {
  @TempDir Path tmp;
  Path launcher;
  final List<Long> pids = new ArrayList<>();
  final List<Path> mounts = new ArrayList<>();

  /** Per data directory, the {@code --listen} given to its mounts (none: config.properties's). */
  final Map<Path, String> listenFlag = new java.util.HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    FuseAvailable.require();
    Path root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();
    launcher = root.resolve("lattice-fs");
  }

  @AfterEach
  void tearDown() throws Exception {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (Path m : mounts) {
      if (Mounts.at(m).isPresent()) {
        Mounts.fusermountUnmount(m, true);
      }
    }
  }

  Launcher.Run lattice(Path home, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
    cmd.addAll(List.of(args));
    return MountE2E.exec(cmd, Map.of("LATTICE_NO_BUILD", "1"));
  }

  Path node(String name) throws Exception {
    return node(name, false);
  }

  /**
   * A data directory listening on a free 127.0.0.1 port: set in config.properties, or with {@code
   * byFlag} given as {@code mount --listen} instead (the config then says nothing about it).
   */
  Path node(String name, boolean byFlag) throws Exception {
    Path home = tmp.resolve(name);
    Files.createDirectories(home);
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String listen = "127.0.0.1:" + port;
    if (byFlag) {
      listenFlag.put(home, listen);
    }
    Files.writeString(
        home.resolve("config.properties"),
        (byFlag ? "" : "mesh.listen=" + listen + "\n") + "mesh.mdns=off\nmesh.name=" + name + "\n");
    return home;
  }

  long mount(Path home, Path mnt) throws Exception {
    Launcher.Run r =
        listenFlag.containsKey(home)
            ? lattice(home, "mount", "--daemon", "--listen", listenFlag.get(home), mnt.toString())
            : lattice(home, "mount", "--daemon", mnt.toString());
    assertEquals(
        0, r.code(), r.err() + "\nlog:\n" + Files.readString(home.resolve("logs/daemon.log")));
    long pid = Long.parseLong(r.out().trim());
    pids.add(pid);
    if (!mounts.contains(mnt)) {
      mounts.add(mnt);
    }
    return pid;
  }

  @Test
  void joinSyncSurviveAKillAndRevoke() throws Exception {
    Path a = node("a");
    Path b = node("b", true);
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    mount(a, mntA);
    long pidB = mount(b, mntB);
    String line = lattice(a, "peer", "invite").out().trim();
    assertTrue(line.startsWith("lattice-invite:"), line);
    Launcher.Run joined = lattice(b, "peer", "join", line);
    assertEquals(0, joined.code(), joined.err());
    assertTrue(joined.out().startsWith("joined "), joined.out());
    // b listens where its mount --listen said, and a learns that address.
    until(
        "a knows b's address " + listenFlag.get(b),
        () ->
            peers(a).stream()
                .anyMatch(p -> String.valueOf(p.get("addrs")).contains(listenFlag.get(b))));
    Launcher.Run again = lattice(tmp.resolve("a"), "peer", "join", line);
    assertEquals(1, again.code(), "a node does not join itself: " + again.out());

    Files.createDirectories(mntA.resolve("photos/trip"));
    for (int i = 0; i < 30; i++) {
      Path f = mntA.resolve("photos/trip/p" + i + ".jpg");
      Files.write(f, new byte[100 * i + 3]);
      Files.setLastModifiedTime(f, FileTime.fromMillis(1_600_000_000_000L + 60_000L * i));
    }
    until("b shows a's tree", () -> tree(mntA).equals(tree(mntB)));

    // Many changes on a, and b killed in the middle of taking them.
    Files.createDirectories(mntA.resolve("photos/more"));
    for (int i = 0; i < 300; i++) {
      Files.writeString(mntA.resolve("photos/more/f" + i), "#" + i);
    }
    ProcessHandle.of(pidB).orElseThrow().destroyForcibly();
    Launcher.waitForExit(pidB);
    mount(b, mntB);
    until("b converged after its restart", () -> tree(mntA).equals(tree(mntB)));
    until("b and a in sync in every store", () -> inSync(b) && inSync(a));

    String idB = lattice(b, "id").out().trim();
    assertEquals(0, lattice(a, "peer", "revoke", idB).code());
    until("b sees the connection cut", () -> !connected(b));
    Files.writeString(mntA.resolve("photos/after-revoke"), "x");
    assertEquals(0, lattice(a, "unmount", mntA.toString()).code());
    assertTrue(Files.notExists(mntB.resolve("photos/after-revoke")));
    assertEquals(0, lattice(b, "unmount", mntB.toString()).code());
  }

  List<Map<String, Object>> peers(Path home) throws Exception {
    Launcher.Run r = lattice(home, "peer", "ls", "--json");
    assertEquals(0, r.code(), r.err());
    List<Map<String, Object>> out = new ArrayList<>();
    for (Object o : (List<?>) Json.parse(r.out(), 1 << 20)) {
      @SuppressWarnings("unchecked")
      Map<String, Object> m = (Map<String, Object>) o;
      out.add(m);
    }
    return out;
  }

  boolean connected(Path home) throws Exception {
    return peers(home).stream().anyMatch(p -> Boolean.TRUE.equals(p.get("connected")));
  }

  boolean inSync(Path home) throws Exception {
    List<Map<String, Object>> ps = peers(home);
    if (ps.isEmpty() || !Boolean.TRUE.equals(ps.get(0).get("connected"))) {
      return false;
    }
    for (Object o : (List<?>) ps.get(0).get("stores")) {
      Map<?, ?> s = (Map<?, ?>) o;
      if (!Long.valueOf(0).equals(s.get("peer_lacks"))
          || !Long.valueOf(0).equals(s.get("we_lack"))) {
        return false;
      }
    }
    return true;
  }

  static Map<String, String> tree(Path root) {
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.toList()) {
        out.put(
            root.relativize(p).toString(),
            Files.isDirectory(p)
                ? "dir"
                : Files.size(p) + " " + Files.getLastModifiedTime(p).toMillis());
      }
    } catch (Exception e) {
      return Map.of("error", e.toString());
    }
    return out;
  }

  static void until(String what, Callable<Boolean> c) throws Exception {
    long end = System.nanoTime() + 120_000_000_000L;
    while (System.nanoTime() < end) {
      if (c.call()) {
        return;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not true within 120 s: " + what);
  }
}
