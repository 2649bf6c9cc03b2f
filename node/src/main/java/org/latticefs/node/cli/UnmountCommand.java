package org.latticefs.node.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.control.ControlClient;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code lattice-fs unmount [DIR]}: asks the running daemon to unmount and exit, and waits until it
 * has. Without a daemon, a dead mount at DIR (left by a crash) is cleaned up; otherwise it says no
 * daemon runs (exit 3).
 */
@Command(
    name = "unmount",
    aliases = "umount",
    description = {
      "Unmount Lattice (the running daemon's mount, which must be DIR if given) and stop the daemon.",
      "Waits until the mount is gone and the daemon has exited."
    })
final class UnmountCommand extends Base {
  static final long EXIT_TIMEOUT_MS = 60_000;

  @Parameters(paramLabel = "DIR", arity = "0..1", description = "The mount point.")
  Path dirArg;

  @Override
  int run() throws Exception {
    DataDir dir = dataDir();
    Path wanted = dirArg == null ? null : dirArg.toAbsolutePath().normalize();
    Optional<ControlClient> daemon = ControlClient.connect(dir);
    if (daemon.isEmpty()) {
      if (wanted != null && Mounts.isDeadFuseMount(wanted)) {
        if (Mounts.fusermountUnmount(wanted, true)) {
          cli().err().println("lattice-fs: cleaned up the dead mount at " + wanted);
          return LatticeCommand.OK;
        }
        throw new NodeException("could not unmount the dead mount at " + wanted);
      }
      throw new NodeException(
          "no lattice-fs daemon is running for "
              + dir.root()
              + (wanted != null && Mounts.at(wanted).isPresent()
                  ? " (" + wanted + " is mounted, but not by it; try --home or fusermount -u)"
                  : ""),
          LatticeCommand.NOT_RUNNING,
          null);
    }
    NodeApi.Status s;
    try (ControlClient c = daemon.get()) {
      s = c.status();
      if (wanted != null && !wanted.equals(Path.of(s.mountpoint()))) {
        throw new NodeException(
            "the daemon for "
                + dir.root()
                + " is mounted at "
                + s.mountpoint()
                + ", not "
                + wanted);
      }
      try {
        c.shutdown();
      } catch (IOException closedWhileStopping) {
        // The daemon closes its control socket as it stops; its exit below is what counts.
      }
    }
    Optional<ProcessHandle> proc = ProcessHandle.of(s.pid());
    long deadline = System.currentTimeMillis() + EXIT_TIMEOUT_MS;
    while (proc.isPresent() && proc.get().isAlive() && System.currentTimeMillis() < deadline) {
      Thread.sleep(50);
    }
    if (proc.isPresent() && proc.get().isAlive()) {
      throw new NodeException("the daemon (pid " + s.pid() + ") has not exited after 60 s");
    }
    if (Mounts.at(Path.of(s.mountpoint())).isPresent()) {
      throw new NodeException(s.mountpoint() + " is still mounted");
    }
    cli().err().println("lattice-fs: unmounted " + s.mountpoint());
    return LatticeCommand.OK;
  }
}
