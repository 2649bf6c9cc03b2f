package org.latticefs.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The layout of a node's data directory ({@code $LATTICE_HOME}, default {@code
 * ~/.local/share/lattice}).
 *
 * <pre>
 * config.properties   optional overrides (see {@link NodeConfig})
 * kv/                 identity, per-store signed logs and state
 * cas/                blobs: cas/{hash[0:2]}/{hash}.blob
 * staging/            files being written through the mount
 * atimes              access times moved by reads on this node (relatime; never replicated)
 * control.sock        the running daemon's control socket (0600)
 * daemon.properties   pid and mount point of the running (or crashed) daemon
 * logs/daemon.log     output of a daemon started with mount --daemon
 * mesh/               invites handed out (secret hashes), static peers
 * FORMAT              the data directory's format version (see org.latticefs.node.format)
 * </pre>
 *
 * {@link #create} makes the directory private to its user, whatever existed before ({@link
 * DataDirModes}): the directory and its top-level folders 0700, Lattice's top-level files 0600. The
 * control socket inside is reachable only by the owner.
 */
public record DataDir(Path root) {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DataDir.class);

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

  /** This node's access times of files read through the mount (see fs's {@code AccessTimes}). */
  public Path atimes() {
    return root.resolve("atimes");
  }

  public Path socket() {
    return root.resolve("control.sock");
  }

  public Path daemonInfo() {
    return root.resolve("daemon.properties");
  }

  public Path format() {
    return root.resolve("FORMAT");
  }

  public Path formatLock() {
    return root.resolve("format.lock");
  }

  /** The mesh's own files: invites handed out, static peers. */
  public Path mesh() {
    return root.resolve("mesh");
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

  /**
   * Creates the directory and its top-level folders (0700) if missing, and tightens the modes of
   * what exists (warning through slf4j for each change). Idempotent.
   *
   * @throws DataDirException if the directory cannot be made private (owned by another user, a
   *     top-level symbolic link): nothing was changed
   */
  public void create() throws IOException {
    DataDirModes.enforce(root, LOG::warn);
  }
}
