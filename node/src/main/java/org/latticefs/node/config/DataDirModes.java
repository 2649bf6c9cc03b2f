package org.latticefs.node.config;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Makes a data directory private to the user Lattice runs as: the directory and its top-level
 * folders 0700, Lattice's top-level files 0600, whatever existed before (a directory made with
 * {@code mkdir} under umask 022 is 0755, and every blob under it would be readable by every local
 * user).
 *
 * <h2>What is checked</h2>
 *
 * The data directory itself (it may be a symbolic link to a directory elsewhere, e.g. on a larger
 * disk: the target is checked), the top-level folders {@link #DIRECTORIES} and the top-level files
 * and socket {@link #FILES}. Deeper entries are not walked: a 0700 top level already shields them,
 * and each module keeps its own subdirectories. Unknown top-level entries are left alone.
 *
 * <h2>Fixed, with a warning</h2>
 *
 * A mode other than 0700 (folders) or 0600 (files) is changed, and the change is reported to the
 * caller's warning sink. Missing top-level folders are created 0700.
 *
 * <h2>Refused</h2>
 *
 * An entry owned by another user (its owner would lose access to what Lattice writes, or Lattice
 * would write into someone else's directory), a top-level entry that is a symbolic link (a mode
 * change would land elsewhere), or an entry of the wrong kind: {@link DataDirException}, before
 * anything is changed.
 */
public final class DataDirModes {
  /** Top-level folders, kept 0700. */
  public static final List<String> DIRECTORIES = List.of("kv", "cas", "staging", "logs");

  /** Top-level files (and the control socket), kept 0600. */
  public static final List<String> FILES =
      List.of(
          "config.properties",
          "daemon.properties",
          "shell_history",
          "atimes",
          "FORMAT",
          "control.sock",
          "format.lock");

  static final Set<PosixFilePermission> DIR_MODE = PosixFilePermissions.fromString("rwx------");
  static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

  /** Receives one human-readable line per mode that was changed. */
  @FunctionalInterface
  public interface Warnings {
    void warn(String message);
  }

  private DataDirModes() {}

  /** The attribute that creates a file 0600 whatever the umask. */
  public static FileAttribute<Set<PosixFilePermission>> privateFile() {
    return PosixFilePermissions.asFileAttribute(FILE_MODE);
  }

  /**
   * Checks and tightens {@code root} (created 0700 with missing parents if absent) and its
   * top-level entries; creates missing top-level folders.
   *
   * @throws DataDirException if something cannot be made private (nothing was changed then)
   */
  public static void enforce(Path root, Warnings warnings) throws IOException {
    int uid = currentUid();
    if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS) && !Files.isSymbolicLink(root)) {
      Path parent = root.toAbsolutePath().getParent();
      if (parent != null) {
        Files.createDirectories(parent);
      }
      Files.createDirectory(root, PosixFilePermissions.asFileAttribute(DIR_MODE));
    }
    Path real = checkRoot(root, uid);
    List<Path> tighten = new ArrayList<>();
    for (String name : DIRECTORIES) {
      Path p = real.resolve(name);
      Kind k = check(p, uid, true);
      if (k == Kind.WRONG_MODE) {
        tighten.add(p);
      }
    }
    for (String name : FILES) {
      Path p = real.resolve(name);
      if (check(p, uid, false) == Kind.WRONG_MODE) {
        tighten.add(p);
      }
    }
    // Everything is checked: only now change anything.
    if (!mode(real).equals(DIR_MODE)) {
      tighten.add(0, real);
    }
    for (Path p : tighten) {
      boolean dir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
      String before = PosixFilePermissions.toString(mode(p));
      Files.setPosixFilePermissions(p, dir ? DIR_MODE : FILE_MODE);
      warnings.warn(
          p
              + " was "
              + octal(before)
              + " ("
              + before
              + "): changed to "
              + (dir ? "0700" : "0600")
              + " so that other local users cannot read Lattice's data");
    }
    for (String name : DIRECTORIES) {
      Path p = real.resolve(name);
      if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
        try {
          Files.createDirectory(p, PosixFilePermissions.asFileAttribute(DIR_MODE));
        } catch (java.nio.file.FileAlreadyExistsException raced) {
          // Another process of ours created it meanwhile; it was checked by that one.
        }
      }
    }
  }

  private enum Kind {
    ABSENT,
    OK,
    WRONG_MODE
  }

  private static Path checkRoot(Path root, int uid) throws IOException {
    Path real;
    try {
      real = root.toRealPath();
    } catch (NoSuchFileException e) {
      throw new DataDirException(
          "the data directory " + root + " is a symbolic link to a missing target", e);
    }
    if (!Files.isDirectory(real, LinkOption.NOFOLLOW_LINKS)) {
      throw new DataDirException(
          "the data directory " + root + " is not a directory" + via(root, real));
    }
    checkOwner(real, uid, "the data directory " + root + via(root, real));
    return real;
  }

  private static Kind check(Path p, int uid, boolean directory) throws IOException {
    if (!Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
      return Kind.ABSENT;
    }
    if (Files.isSymbolicLink(p)) {
      throw new DataDirException(
          p
              + " is a symbolic link (to "
              + Files.readSymbolicLink(p)
              + "); Lattice keeps the top level of its data directory itself. To keep the data on"
              + " another disk, point $LATTICE_HOME (or --home) at a directory there instead");
    }
    boolean isDir = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS);
    if (directory != isDir) {
      throw new DataDirException(
          p
              + (directory ? " should be a directory" : " should not be a directory")
              + "; move it out of the data directory");
    }
    checkOwner(p, uid, p.toString());
    return mode(p).equals(directory ? DIR_MODE : FILE_MODE) ? Kind.OK : Kind.WRONG_MODE;
  }

  private static void checkOwner(Path p, int uid, String what) throws IOException {
    int owner = (Integer) Files.getAttribute(p, "unix:uid", LinkOption.NOFOLLOW_LINKS);
    if (owner != uid) {
      throw new DataDirException(
          what
              + " is owned by uid "
              + owner
              + ", but lattice-fs runs as uid "
              + uid
              + "; run it as the owner, or give the directory to this user (chown -R "
              + uid
              + " "
              + p
              + ")");
    }
  }

  private static String via(Path root, Path real) {
    return real.equals(root.toAbsolutePath().normalize()) ? "" : " (-> " + real + ")";
  }

  private static Set<PosixFilePermission> mode(Path p) throws IOException {
    return Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS);
  }

  private static String octal(String rwx) {
    int m = 0;
    for (int i = 0; i < 9; i++) {
      if (rwx.charAt(i) != '-') {
        m |= 1 << (8 - i);
      }
    }
    return String.format("0%o", m);
  }

  /** The real uid of this process. */
  static int currentUid() {
    return (int) new com.sun.security.auth.module.UnixSystem().getUid();
  }
}
