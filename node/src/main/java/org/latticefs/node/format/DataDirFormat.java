package org.latticefs.node.format;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.OptionalInt;
import java.util.Set;
import java.util.stream.Stream;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.DataDirException;
import org.latticefs.node.config.DataDirModes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a data directory ready for this build before anything opens it: refuses one stamped with a
 * newer format, makes it private ({@link DataDir#create}), stamps a fresh one, and migrates an
 * older one through {@link Migrations}.
 *
 * <h2>Order and guarantees</h2>
 *
 * <ol>
 *   <li>A stamp newer than this build knows is refused before anything is created or changed.
 *   <li>The directory is created or tightened.
 *   <li>Stamped current: done (no lock taken; this is every start but the first after an upgrade).
 *   <li>Otherwise, under the exclusive lock {@code format.lock} (held briefly; a second process
 *       waits for it, then finds the stamp current): a directory holding no data yet is stamped
 *       current; one holding data is migrated step by step, each version stamped once all its steps
 *       are done, provided no process has its kv stores open (else: "in use", nothing changed).
 * </ol>
 *
 * A crash during a migration leaves the last completed version stamped; the next start reruns the
 * steps after it (steps are idempotent, see {@link Migration}).
 */
public final class DataDirFormat {
  private static final Logger log = LoggerFactory.getLogger(DataDirFormat.class);

  private DataDirFormat() {}

  /** Prepares {@code dir} for this build ({@link Migrations#CURRENT}, {@link Migrations#STEPS}). */
  public static void prepare(DataDir dir) throws IOException {
    prepare(dir, Migrations.CURRENT, Migrations.STEPS);
  }

  static void prepare(DataDir dir, int current, List<Migration> steps) throws IOException {
    if (Files.isDirectory(dir.root()) && !Files.isSymbolicLink(dir.format())) {
      OptionalInt stamped = FormatStamp.read(dir);
      if (stamped.isPresent()) {
        refuseNewer(dir, stamped.getAsInt(), current);
      }
    }
    dir.create();
    if (FormatStamp.read(dir).orElse(0) == current) {
      return;
    }
    try (FileChannel ch =
            FileChannel.open(
                dir.formatLock(),
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
                DataDirModes.privateFile());
        FileLock lock = ch.lock()) {
      OptionalInt stamped = FormatStamp.read(dir);
      if (stamped.isPresent()) {
        refuseNewer(dir, stamped.getAsInt(), current);
        if (stamped.getAsInt() == current) {
          return;
        }
      }
      if (stamped.isEmpty() && !holdsData(dir)) {
        FormatStamp.write(dir, current);
        log.debug("stamped new data directory {} with format {}", dir.root(), current);
        return;
      }
      migrate(dir, stamped.orElse(1), current, steps);
    }
  }

  private static void migrate(DataDir dir, int from, int current, List<Migration> steps)
      throws IOException {
    requireClosed(dir);
    log.warn(
        "data directory {} is format {}: migrating it to format {}", dir.root(), from, current);
    for (int v = from + 1; v <= current; v++) {
      for (Migration m : steps) {
        if (m.toVersion() == v) {
          log.info("format {}: {}", v, m.description());
          try {
            m.action().apply(dir);
          } catch (IOException | RuntimeException e) {
            throw new IOException(
                "migrating "
                    + dir.root()
                    + " to format "
                    + v
                    + " failed ("
                    + m.description()
                    + "): "
                    + e.getMessage()
                    + "; it is still format "
                    + (v - 1)
                    + " and the next start retries",
                e);
          }
        }
      }
      FormatStamp.write(dir, v);
    }
    log.warn("data directory {} is now format {}", dir.root(), current);
  }

  private static void refuseNewer(DataDir dir, int stamped, int current) throws DataDirException {
    if (stamped > current) {
      throw new DataDirException(
          "the data directory "
              + dir.root()
              + " was made by a newer lattice-fs (format "
              + stamped
              + ", this build knows up to "
              + current
              + "); upgrade lattice-fs to use it");
    }
  }

  /** Whether {@code dir} holds anything written by an earlier run (an identity, stores, blobs). */
  private static boolean holdsData(DataDir dir) throws IOException {
    if (Files.exists(dir.kv().resolve("identity.key"))
        || Files.exists(dir.kv().resolve("stores"))) {
      return true;
    }
    Path cas = dir.root().resolve("cas");
    if (!Files.isDirectory(cas)) {
      return false;
    }
    try (Stream<Path> s = Files.list(cas)) {
      return s.findAny().isPresent();
    }
  }

  /** Refuses to migrate while a process has the kv stores open (their lock is held). */
  private static void requireClosed(DataDir dir) throws IOException {
    Path kvLock = dir.kv().resolve("lock");
    if (!Files.exists(kvLock)) {
      return;
    }
    try (FileChannel ch = FileChannel.open(kvLock, StandardOpenOption.WRITE)) {
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        throw new DataDirException(
            "the data directory "
                + dir.root()
                + " must be migrated to a new format, but it is in use by another lattice-fs"
                + " process; stop it and retry");
      }
      l.release();
    }
  }
}
