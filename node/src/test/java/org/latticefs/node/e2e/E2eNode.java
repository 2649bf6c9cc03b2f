package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * One node driven through the {@code ./lattice-fs} launcher for end-to-end tests: a data directory,
 * a mount point, the daemons it started (killed and unmounted by {@link #cleanUp}). Built on {@link
 * MountE2E}'s process helpers.
 */
final class E2eNode {
  final Path home;
  final Path mnt;
  private final Path launcher;
  private final List<Long> pids = new ArrayList<>();

  E2eNode(Path home, Path mnt) {
    this.home = home;
    this.mnt = mnt;
    Path root = Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();
    this.launcher = root.resolve("lattice-fs");
    assertTrue(Files.isExecutable(launcher), launcher + " missing");
    assertTrue(Files.isRegularFile(root.resolve("node/target/lattice-fs.jar")), "jar not built");
  }

  Run lattice(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(launcher.toString(), "--home", home.toString()));
    cmd.addAll(List.of(args));
    return MountE2E.exec(cmd, Map.of("LATTICE_NO_BUILD", "1"));
  }

  /** {@code mount --daemon}, asserted to succeed; returns the daemon's pid. */
  long mount() throws Exception {
    Run r = lattice("mount", "--daemon", mnt.toString());
    assertEquals(0, r.code(), r.err() + "\nlog:\n" + log());
    long pid = Long.parseLong(r.out().trim());
    pids.add(pid);
    return pid;
  }

  /** {@code unmount}, asserted to succeed and to end the daemon. */
  void unmount() throws Exception {
    Run r = lattice("unmount", mnt.toString());
    assertEquals(0, r.code(), r.err() + "\nlog:\n" + log());
    for (long pid : pids) {
      MountE2E.waitForExit(pid);
    }
  }

  String log() throws Exception {
    Path l = home.resolve("logs/daemon.log");
    return Files.exists(l) ? Files.readString(l) : "(no log)";
  }

  /** Kills what is left and unmounts a mount left behind. */
  void cleanUp() throws Exception {
    for (long pid : pids) {
      ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    }
    for (long pid : pids) {
      MountE2E.waitForExit(pid);
    }
    if (Mounts.at(mnt).isPresent()) {
      Mounts.fusermountUnmount(mnt, true);
    }
  }
}
