package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.control.Json;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * The real thing: the {@code ./lattice-fs} launcher running the packaged jar in child processes, a
 * real FUSE mount written by shell tools, real signals. Runs in the {@code package} phase (after
 * the jar is built), as root with /dev/fuse; when {@code CI} is set, missing FUSE fails the test.
 * Slow: child JVMs, a daemon killed with SIGKILL and remounted.
 */
@Tag("slow")
class MountE2E {
  @TempDir Path tmp;
  Path home;
  Path mnt;
  Path launcher;
  final List<Long> pids = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    requireFuse();
    home = tmp.resolve("home");
    mnt = tmp.resolve("mnt");
    Path root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();
    launcher = root.resolve("lattice-fs");
    assertTrue(Files.isExecutable(launcher), launcher + " missing");
    assertTrue(Files.isRegularFile(root.resolve("node/target/lattice-fs.jar")), "jar not built");
    // One node, no peers: no listener on every interface, no mDNS on the machine's network.
    Files.createDirectories(home);
    Files.writeString(home.resolve("config.properties"), NO_MESH);
  }

  static final String NO_MESH = "mesh.listen=off\nmesh.mdns=off\n";

  @AfterEach
  void tearDown() throws Exception {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (mnt != null && Mounts.at(mnt).isPresent()) {
      Mounts.fusermountUnmount(mnt, true);
    }
  }

  static void requireFuse() throws Exception {
    FuseAvailable.require();
  }

  Run lattice(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of("LATTICE_NO_BUILD", "1"));
  }

  static Run sh(String script) throws Exception {
    return Launcher.sh(script);
  }

  static Run exec(List<String> cmd, Map<String, String> env) throws Exception {
    return Launcher.exec(cmd, env, 120);
  }

  long mountDaemon() throws Exception {
    Run r = lattice("mount", "--daemon", mnt.toString());
    assertEquals(0, r.code(), r.err() + "\nlog:\n" + log());
    long pid = Long.parseLong(r.out().trim());
    pids.add(pid);
    assertTrue(Mounts.at(mnt).isPresent(), "mounted when mount --daemon returns");
    return pid;
  }

  String log() throws IOException {
    Path l = home.resolve("logs/daemon.log");
    return Files.exists(l) ? Files.readString(l) : "(no log)";
  }

  static void waitForExit(long pid) throws InterruptedException {
    Launcher.waitForExit(pid);
  }

  @Test
  void mountWriteInspectSigtermKillAndRecover() throws Exception {
    byte[] big = new byte[3 * 1024 * 1024 + 5];
    new Random(1).nextBytes(big);
    Path src = tmp.resolve("src.bin");
    Files.write(src, big);
    Path tree = tmp.resolve("tree");
    Files.createDirectories(tree.resolve("sub"));
    Files.writeString(tree.resolve("sub/a.txt"), "alpha\n");
    Files.writeString(tree.resolve("b.txt"), "beta\n");

    // A fresh data directory and a missing mount point: both are created.
    long pid = mountDaemon();
    Run w =
        sh(
            "set -e; cd '"
                + mnt
                + "'; mkdir docs; echo hello > docs/hello.txt;"
                + " cp '"
                + src
                + "' docs/big.bin; cp -r '"
                + tree
                + "' docs/tree;"
                + " cat docs/hello.txt; ls docs/tree/sub");
    assertEquals(0, w.code(), w.err());
    assertEquals("hello\na.txt\n", w.out());

    Run status = lattice("status");
    assertEquals(0, status.code(), status.err());
    assertTrue(status.out().contains("mount     " + mnt), status.out());
    Map<String, Object> sj = Json.parseObject(lattice("status", "--json").out(), 1 << 20);
    assertEquals(true, sj.get("running"));
    assertEquals(pid, sj.get("pid"));

    // stat: the file's chunks are exactly what `chunk` computes for the same bytes.
    Run stat = lattice("stat", "--json", mnt.resolve("docs/big.bin").toString());
    assertEquals(0, stat.code(), stat.err());
    Map<String, Object> st = Json.parseObject(stat.out(), 1 << 24);
    assertEquals("docs", st.get("store"));
    assertEquals((long) big.length, st.get("size"));
    assertTrue(((String) st.get("manifest")).matches("[0-9a-f]{64}"));
    Map<String, Object> ch =
        Json.parseObject(lattice("chunk", "--json", src.toString()).out(), 1 << 24);
    assertEquals(ch.get("chunks"), st.get("chunks"));
    assertTrue(
        lattice("stat", mnt.resolve("docs/big.bin").toString()).out().contains("store     docs"));
    assertEquals(1, lattice("stat", mnt.resolve("docs/nope").toString()).code());

    // kv and store commands go through the daemon while it holds the data directory.
    Run ls = lattice("kv", "ls", "--store", "docs", "--keys-only", "/dirents/");
    assertEquals(0, ls.code(), ls.err());
    assertTrue(ls.out().contains("/hello.txt\n"), ls.out());
    assertEquals(0, lattice("kv", "put", "/note", "while mounted").code());
    assertEquals("while mounted", lattice("kv", "get", "/note").out());
    assertTrue(lattice("store", "ls").out().startsWith("docs  "));
    assertEquals(0, lattice("store", "create", "photos").code());
    assertTrue(
        sh("ls '" + mnt + "'").out().contains("photos"),
        "a store made by the CLI shows in the mount");

    // A second mount of the same data directory is refused clearly.
    Run second = lattice("mount", "--daemon", tmp.resolve("mnt2").toString());
    assertEquals(1, second.code());
    assertTrue(second.err().contains("already serves"), second.err());

    // SIGTERM: clean unmount, daemon gone, status says so.
    ProcessHandle.of(pid).orElseThrow().destroy();
    waitForExit(pid);
    assertTrue(Mounts.at(mnt).isEmpty(), "unmounted on SIGTERM");
    assertEquals(3, lattice("status").code());

    // Remount: everything is there. Then write with fsync and kill -9.
    pid = mountDaemon();
    assertArrayEquals(big, Files.readAllBytes(mnt.resolve("docs/big.bin")));
    assertEquals("beta\n", Files.readString(mnt.resolve("docs/tree/b.txt")));
    Run synced =
        sh("dd if='" + src + "' of='" + mnt + "/docs/synced.bin' bs=64k conv=fsync status=none");
    assertEquals(0, synced.code(), synced.err());
    assertEquals(0, sh("kill -9 " + pid).code());
    waitForExit(pid);
    assertTrue(Mounts.isDeadFuseMount(mnt), "SIGKILL leaves a dead mount");
    Run dead = lattice("status");
    assertEquals(3, dead.code());
    assertTrue(dead.out().contains("dead mount at " + mnt), dead.out());

    // The next mount cleans the stale mount; fsynced content survived.
    pid = mountDaemon();
    assertArrayEquals(big, Files.readAllBytes(mnt.resolve("docs/synced.bin")));
    assertTrue(log().contains("stale mount"), log());

    Run un = lattice("unmount", mnt.toString());
    assertEquals(0, un.code(), un.err());
    waitForExit(pid);
    assertTrue(Mounts.at(mnt).isEmpty());
    assertEquals(3, lattice("unmount", mnt.toString()).code());
    // And without a daemon, the kv commands open the directory themselves again.
    assertEquals("while mounted", lattice("kv", "get", "/note").out());
  }

  @Test
  void foregroundMountStopsCleanlyOnSigint() throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(launcher.toString(), "--home", home.toString(), "mount", mnt.toString())
            .redirectErrorStream(true)
            .redirectOutput(tmp.resolve("fg.log").toFile());
    pb.environment().put("LATTICE_NO_BUILD", "1");
    Process p = pb.start();
    pids.add(p.pid());
    for (int i = 0; i < 600 && Mounts.at(mnt).isEmpty() && p.isAlive(); i++) {
      Thread.sleep(50);
    }
    assertTrue(Mounts.at(mnt).isPresent(), Files.readString(tmp.resolve("fg.log")));
    assertTrue(
        cmdline(p.pid()).contains(" -Xmx262144k -XX:MaxDirectMemorySize=65536k "),
        "the launcher bounds the daemon's memory: " + cmdline(p.pid()));
    assertEquals(
        0,
        sh("echo data > '"
                + mnt
                + "/x' 2>/dev/null; mkdir '"
                + mnt
                + "/s' && echo data > '"
                + mnt
                + "/s/f'")
            .code());
    assertEquals(0, sh("kill -INT " + p.pid()).code());
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertTrue(Mounts.at(mnt).isEmpty(), "unmounted on Ctrl-C");
    String out = Files.readString(tmp.resolve("fg.log"));
    assertTrue(out.contains("mounted at " + mnt), out);
    assertFalse(Files.exists(home.resolve("control.sock")), "control socket removed");
  }

  static String cmdline(long pid) throws IOException {
    return new String(
            Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline")), StandardCharsets.UTF_8)
        .replace('\0', ' ');
  }

  /**
   * A home made beforehand with mode 0755 and a config: the daemon tightens the home, mounts with
   * the checked options (warning about allow_other), runs with the configured memory bounds, and
   * answers commands while many idle connections sit on its socket, including values up to kv's
   * limit; an unknown option refuses the mount (issue 10 items 7, 8, 14, 15, 16).
   */
  @Test
  void configuredDaemonOnAPreCreatedHome() throws Exception {
    Files.createDirectories(home);
    Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(
        home.resolve("config.properties"),
        NO_MESH + "mount.options=,,,allow_other\nmemory.heap=200M\n");
    Run r = lattice("mount", "--daemon", mnt.toString());
    assertEquals(0, r.code(), r.err() + "\nlog:\n" + log());
    long pid = Long.parseLong(r.out().trim());
    pids.add(pid);
    assertTrue(
        r.err().contains("lattice-fs: warning: mount option allow_other widens access"), r.err());
    assertTrue(
        log()
            .lines()
            .anyMatch(l -> l.contains(" WARN ") && l.contains("mount option allow_other widens")),
        log());
    assertTrue(
        Files.readAllLines(Path.of("/proc/mounts")).stream()
            .anyMatch(l -> l.contains(" " + mnt + " ") && l.contains("allow_other")),
        "mounted with allow_other");
    assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    assertTrue(cmdline(pid).contains(" -Xmx204800k -XX:MaxDirectMemorySize=65536k "), cmdline(pid));

    List<SocketChannel> idle = new ArrayList<>();
    try {
      for (int i = 0; i < 40; i++) {
        idle.add(SocketChannel.open(UnixDomainSocketAddress.of(home.resolve("control.sock"))));
      }
      Run status = lattice("status");
      assertEquals(
          0,
          status.code(),
          "answers beside 40 idle connections: "
              + status.out()
              + status.err()
              + "\nlog:\n"
              + log());
      byte[] value = new byte[900_000];
      new Random(7).nextBytes(value);
      Path v = tmp.resolve("value");
      Files.write(v, value);
      Run put = sh("'" + launcher + "' --home '" + home + "' kv put /v < '" + v + "'");
      assertEquals(0, put.code(), "kv put: " + put.out() + put.err() + "\nlog:\n" + log());
      Path back = tmp.resolve("back");
      Run get = sh("'" + launcher + "' --home '" + home + "' kv get /v > '" + back + "'");
      assertEquals(0, get.code(), "kv get: " + get.err() + "\nlog:\n" + log());
      assertArrayEquals(value, Files.readAllBytes(back));
    } finally {
      for (SocketChannel c : idle) {
        c.close();
      }
    }
    assertEquals(0, lattice("unmount", mnt.toString()).code());
    waitForExit(pid);

    Files.writeString(
        home.resolve("config.properties"), NO_MESH + "mount.options=allow_other,bogus\n");
    Run bad = lattice("mount", "--daemon", mnt.toString());
    assertEquals(1, bad.code());
    assertTrue(bad.err().contains("mount.options: unknown mount option 'bogus'"), bad.err());
    assertTrue(Mounts.at(mnt).isEmpty());
  }

  /** Runs {@code lattice-fs ARGS} through bash, so ARGS may hold {@code $'\xe9'} bytes. */
  private Run latticeBash(String args) throws Exception {
    return sh(
        "LATTICE_NO_BUILD=1 exec bash -c \"exec '"
            + launcher
            + "' --home '"
            + home
            + "' "
            + args.replace("\"", "\\\"")
            + "\"");
  }

  /**
   * Names that are not UTF-8: four names that differ in their bytes are four files in the mount,
   * {@code lattice-fs stat} finds each by its bytes and prints it escaped ({@code \xe9}), never
   * mangled, and {@code kv ls} of the dirents shows them escaped too.
   */
  @Test
  void theCliFindsAndShowsNamesByTheirBytes() throws Exception {
    mountDaemon();
    Run made =
        sh(
            "cd '"
                + mnt
                + "' && mkdir docs && cd docs && bash -c \"echo 1 > \\$'caf\\xe9.txt';"
                + " echo 22 > \\$'caf\\xe8.txt'; echo 333 > caf\\$'\\xc3\\xa9'.txt\" && ls | wc -l");
    assertEquals(0, made.code(), made.err());
    assertEquals("3", made.out().strip(), "three files");

    Run e9 = latticeBash("stat $'" + mnt + "/docs/caf\\xe9.txt'");
    assertEquals(0, e9.code(), e9.err());
    assertTrue(e9.out().contains("path      " + mnt + "/docs/caf\\xe9.txt\n"), e9.out());
    assertTrue(e9.out().contains("size      2\n"), e9.out());
    Run e8 = latticeBash("stat $'" + mnt + "/docs/caf\\xe8.txt'");
    assertTrue(e8.out().contains("caf\\xe8.txt\n") && e8.out().contains("size      3\n"), e8.out());
    Run utf8 = latticeBash("stat '" + mnt + "/docs/café.txt'");
    assertTrue(
        utf8.out().contains("café.txt\n") && utf8.out().contains("size      4\n"), utf8.out());
    assertFalse(e9.out().contains("\uFFFD") || e8.out().contains("\uFFFD"), "never mangled");
    // --json: the byte as the escape U+DCE9 (what Python's os.fsencode turns back into 0xe9).
    Map<String, Object> j =
        Json.parseObject(
            latticeBash("stat --json $'" + mnt + "/docs/caf\\xe9.txt'").out(), 1 << 20);
    assertEquals(mnt + "/docs/caf\uDCE9.txt", j.get("path"));
    // kv ls shows the dirents escaped.
    Run ls = lattice("kv", "ls", "--store", "docs", "--keys-only", "/dirents/");
    assertEquals(0, ls.code(), ls.err());
    assertTrue(ls.out().contains("/caf\\xe9.txt\n"), ls.out());
    assertTrue(ls.out().contains("/caf\\xe8.txt\n"), ls.out());
    assertTrue(ls.out().contains("/café.txt\n"), ls.out());
    assertEquals(0, lattice("unmount", mnt.toString()).code());
  }
}
