package org.latticefs.node;

import java.io.IOException;
import java.io.Reader;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Properties;
import org.latticefs.cas.io.AtomicFile;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.node.config.DataDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The record of the daemon running for a data directory ({@code daemon.properties}: pid, mount
 * point, start time), and the cleanup it serves: a daemon that died without unmounting leaves the
 * record and a dead FUSE mount, which the next start unmounts.
 */
final class DaemonRecord {
  private static final Logger log = LoggerFactory.getLogger(DaemonRecord.class);

  private DaemonRecord() {}

  /**
   * A previous daemon that died without unmounting leaves {@code daemon.properties} and a dead FUSE
   * mount; unmount it (lazily: a dead mount cannot be unmounted any other way). The requested mount
   * point is checked too, in case the record is gone. Refuses if the recorded daemon still runs.
   */
  static void cleanStale(DataDir dir, Path mountpoint) throws IOException {
    List<Path> candidates = new ArrayList<>();
    Properties p = read(dir);
    if (p != null) {
      long pid = parsePid(p.getProperty("pid"));
      if (pid > 0 && pid != ProcessHandle.current().pid() && isLatticeProcess(pid)) {
        throw new NodeException(
            "a lattice-fs daemon (pid "
                + pid
                + ") is already running for "
                + dir.root()
                + ", mounted at "
                + p.getProperty("mountpoint"));
      }
      if (p.getProperty("mountpoint") != null) {
        candidates.add(Path.of(p.getProperty("mountpoint")));
      }
    }
    candidates.add(mountpoint);
    for (Path m : candidates) {
      try {
        FuseMount.cleanStale(m);
      } catch (IOException e) {
        throw new NodeException(e.getMessage(), 1, e);
      }
    }
    Files.deleteIfExists(dir.daemonInfo());
  }

  /** Records this process as {@code dir}'s daemon, mounted at {@code mountpoint}. */
  static void write(DataDir dir, Path mountpoint, long startedAt) throws IOException {
    Properties p = new Properties();
    p.setProperty("pid", Long.toString(ProcessHandle.current().pid()));
    p.setProperty("mountpoint", mountpoint.toString());
    p.setProperty("started_at", Long.toString(startedAt));
    StringWriter w = new StringWriter();
    p.store(w, "the running lattice-fs daemon (removed on clean shutdown)");
    AtomicFile.write(dir.daemonInfo(), w.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** The recorded daemon of {@code dir} (maybe dead), or null if none is recorded. */
  static Properties read(DataDir dir) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(dir.daemonInfo(), StandardCharsets.UTF_8)) {
      p.load(r);
      return p;
    } catch (NoSuchFileException e) {
      return null;
    } catch (IllegalArgumentException e) {
      log.warn("ignoring malformed {}", dir.daemonInfo());
      return new Properties();
    }
  }

  /** Whether {@code pid} is alive and looks like a lattice-fs JVM (a pid may have been reused). */
  static boolean isLatticeProcess(long pid) {
    Optional<ProcessHandle> h = ProcessHandle.of(pid);
    if (h.isEmpty() || !h.get().isAlive()) {
      return false;
    }
    return h.get()
        .info()
        .commandLine()
        .map(c -> c.contains("lattice") || c.contains("org.latticefs"))
        .orElse(true);
  }

  static long parsePid(String s) {
    try {
      return s == null ? -1 : Long.parseLong(s.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
