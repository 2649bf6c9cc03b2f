package org.latticefs.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.Set;

/**
 * The layout of a node's data directory ({@code $LATTICE_HOME}, default {@code
 * ~/.local/share/lattice}).
 *
 * <pre>
 * config.properties   optional overrides (see {@link NodeConfig})
 * kv/                 identity, per-store signed logs and state
 * cas/                blobs: cas/{hash[0:2]}/{hash}.blob
 * staging/            files being written through the mount
 * control.sock        the running daemon's control socket (0600)
 * daemon.properties   pid and mount point of the running (or crashed) daemon
 * logs/daemon.log     output of a daemon started with mount --daemon
 * </pre>
 *
 * The directory and every subdirectory are created 0700: the control socket inside is reachable
 * only by the owner.
 */
public record DataDir(Path root) {
  private static final Set<PosixFilePermission> OWNER_ONLY =
      PosixFilePermissions.fromString("rwx------");

  public DataDir {
    root = root.toAbsolutePath().normalize();
  }

  /**
   * The data directory chosen by {@code override} (a {@code --home} option) if non-null, else
   * {@code $LATTICE_HOME}, else {@code $XDG_DATA_HOME/lattice}, else {@code
   * ~/.local/share/lattice}.
   */
  public static DataDir resolve(Path override, Map<String, String> env) {
    if (override != null) {
      return new DataDir(override);
    }
    String home = env.get("LATTICE_HOME");
    if (home != null && !home.isBlank()) {
      return new DataDir(Path.of(home));
    }
    String xdg = env.get("XDG_DATA_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return new DataDir(Path.of(xdg, "lattice"));
    }
    return new DataDir(Path.of(System.getProperty("user.home"), ".local", "share", "lattice"));
  }

  public Path config() {
    return root.resolve("config.properties");
  }

  public Path kv() {
    return root.resolve("kv");
  }

  public Path blobs() {
    return root;
  }

  public Path staging() {
    return root.resolve("staging");
  }

  public Path socket() {
    return root.resolve("control.sock");
  }

  public Path daemonInfo() {
    return root.resolve("daemon.properties");
  }

  public Path logs() {
    return root.resolve("logs");
  }

  public Path daemonLog() {
    return logs().resolve("daemon.log");
  }

  public boolean exists() {
    return Files.isDirectory(root);
  }

  /** Creates the directory (0700) and its subdirectories if missing. Idempotent. */
  public void create() throws IOException {
    for (Path p : new Path[] {root, kv(), staging(), logs()}) {
      createPrivateDir(p);
    }
  }

  /** Creates {@code dir} and missing parents; {@code dir} itself ends up 0700 if newly created. */
  static void createPrivateDir(Path dir) throws IOException {
    if (Files.isDirectory(dir)) {
      return;
    }
    Files.createDirectories(dir);
    try {
      Files.setPosixFilePermissions(dir, OWNER_ONLY);
    } catch (UnsupportedOperationException e) {
      // Not a POSIX filesystem: nothing stronger to do.
    }
  }
}
