package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.control.Json;

/**
 * Runs {@code ./lattice-fs} (the packaged jar) and shell commands in child processes for one data
 * directory and mount point, and cleans up what it started: daemons it mounted (by pid) and a mount
 * left behind.
 */
final class Launcher implements AutoCloseable {
  /** What a child process did. */
  record Run(int code, String out, String err) {}

  final Path home;
  final Path mnt;
  final Path launcher;
  private final List<Long> pids = new ArrayList<>();

  Launcher(Path home, Path mnt) {
    this.home = home;
    this.mnt = mnt;
    Path root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();
    launcher = root.resolve("lattice-fs");
    assertTrue(Files.isExecutable(launcher), launcher + " missing");
    assertTrue(Files.isRegularFile(root.resolve("node/target/lattice-fs.jar")), "jar not built");
  }

  /**
   * A launcher for a new data directory {@code tmp/home} whose {@code config.properties} is {@code
   * config}, mounting at {@code tmp/mnt}. Skips the test where FUSE is missing (fails it under CI).
   */
  static Launcher fresh(Path tmp, String config) throws Exception {
    FuseAvailable.require();
    Path home = Files.createDirectories(tmp.resolve("home"));
    Files.writeString(home.resolve("config.properties"), config);
    return new Launcher(home, tmp.resolve("mnt"));
  }

  /**
   * Runs {@code lattice-fs ARGS} and asserts its exit code; the failure message has its stderr and
   * the daemon's log.
   */
  Run expect(int code, String... args) throws Exception {
    Run r = lattice(args);
    assertEquals(code, r.code(), String.join(" ", args) + ": " + r.err() + "\nlog:\n" + log());
    return r;
  }

  /** {@link #expect} of a command with {@code --json} output: the object it printed. */
  Map<String, Object> json(int code, String... args) throws Exception {
    return Json.parseObject(expect(code, args).out(), 64 << 20);
  }

  Run lattice(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
    cmd.addAll(List.of(args));
    return exec(cmd, Map.of("LATTICE_NO_BUILD", "1"), 600);
  }

  /** Starts {@code mount --daemon}; returns the daemon's pid once mounted. */
  long mount() throws Exception {
    Run r = lattice("mount", "--daemon", mnt.toString());
    assertEquals(0, r.code(), r.err() + "\nlog:\n" + log());
    long pid = Long.parseLong(r.out().trim());
    pids.add(pid);
    assertTrue(Mounts.at(mnt).isPresent(), "mounted when mount --daemon returns");
    return pid;
  }

  /** Waits (up to 30 s) until {@code pid} has exited. */
  static void waitForExit(long pid) throws InterruptedException {
    for (int i = 0;
        i < 600 && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        i++) {
      Thread.sleep(50);
    }
    assertTrue(
        ProcessHandle.of(pid).map(h -> !h.isAlive()).orElse(true), "pid " + pid + " still alive");
  }

  String log() throws IOException {
    Path l = home.resolve("logs/daemon.log");
    return Files.exists(l) ? Files.readString(l) : "(no log)";
  }

  static Run sh(String script) throws Exception {
    return exec(List.of("sh", "-c", script), Map.of(), 600);
  }

  static Run exec(List<String> cmd, Map<String, String> env, int seconds) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(seconds, TimeUnit.SECONDS), "timed out: " + cmd);
    return new Run(
        p.exitValue(),
        new String(out, StandardCharsets.UTF_8),
        new String(err.get(), StandardCharsets.UTF_8));
  }

  static byte[] readAll(InputStream in) {
    try {
      return in.readAllBytes();
    } catch (IOException e) {
      return new byte[0];
    }
  }

  /** Kills the daemons this launcher started and lazily unmounts what they left. */
  @Override
  public void close() throws Exception {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    if (Mounts.at(mnt).isPresent()) {
      Mounts.fusermountUnmount(mnt, true);
    }
  }
}
