package org.latticefs.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A data directory is private to its user whatever existed before (issue 10, item 7). */
class DataDirModesTest {
  @TempDir Path tmp;

  static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, java.nio.file.LinkOption.NOFOLLOW_LINKS));
  }

  static void chmod(Path p, String rwx) throws Exception {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(rwx));
  }

  /** A home as an earlier build left it after a `mkdir` under umask 022: everything readable. */
  Path leakyHome() throws Exception {
    Path home = tmp.resolve("home");
    Files.createDirectories(home.resolve("cas/ab"));
    Files.createDirectories(home.resolve("kv"));
    Files.writeString(home.resolve("cas/ab/ab12.blob"), "secret file content");
    Files.writeString(home.resolve("config.properties"), "log.level=warn\n");
    chmod(home, "rwxr-xr-x");
    chmod(home.resolve("cas"), "rwxr-xr-x");
    chmod(home.resolve("cas/ab"), "rwxr-xr-x");
    chmod(home.resolve("kv"), "rwxr-xr-x");
    chmod(home.resolve("cas/ab/ab12.blob"), "rw-r--r--");
    chmod(home.resolve("config.properties"), "rw-r--r--");
    return home;
  }

  @Test
  void aPreCreated0755HomeIsTightenedWithAWarning() throws Exception {
    Path home = leakyHome();
    List<String> warnings = new ArrayList<>();
    DataDirModes.enforce(home, warnings::add);
    assertEquals("rwx------", mode(home));
    assertEquals("rwx------", mode(home.resolve("cas")));
    assertEquals("rwx------", mode(home.resolve("kv")));
    assertEquals("rw-------", mode(home.resolve("config.properties")));
    for (String d : DataDirModes.DIRECTORIES) {
      assertEquals("rwx------", mode(home.resolve(d)), d + " created private");
    }
    assertEquals(4, warnings.size(), warnings.toString());
    assertTrue(
        warnings.get(0).startsWith(home + " was 0755 (rwxr-xr-x): changed to 0700"),
        warnings.get(0));
    // Not walked: the blob keeps its mode, shielded by the 0700 levels above it.
    assertEquals("rw-r--r--", mode(home.resolve("cas/ab/ab12.blob")));
    List<String> again = new ArrayList<>();
    DataDirModes.enforce(home, again::add);
    assertEquals(List.of(), again, "nothing left to fix");
  }

  @Test
  void anotherUserCannotReadABlobAfterwards() throws Exception {
    Assumptions.assumeTrue(DataDirModes.currentUid() == 0, "needs root to switch to nobody");
    Path home = leakyHome();
    Path blob = home.resolve("cas/ab/ab12.blob");
    // tmp itself must be traversable by nobody for the check to mean anything.
    for (Path p = tmp; p != null && p.startsWith(tmp); p = p.getParent()) {
      chmod(p, "rwxr-xr-x");
    }
    assertEquals(0, asNobody("cat", blob.toString()), "readable before: the leak");
    new DataDir(home).create();
    assertNotEquals(0, asNobody("cat", blob.toString()), "nobody reads a blob after the check");
    assertNotEquals(0, asNobody("ls", home.toString()));
    assertNotEquals(0, asNobody("cat", home.resolve("config.properties").toString()));
  }

  static int asNobody(String... cmd) throws Exception {
    List<String> all =
        new ArrayList<>(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"));
    all.addAll(List.of(cmd));
    Process p =
        new ProcessBuilder(all)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS));
    return p.exitValue();
  }

  @Test
  void aSymlinkedTopLevelFolderIsRefusedAndNothingChanges() throws Exception {
    Path home = leakyHome();
    Path elsewhere = Files.createDirectories(tmp.resolve("elsewhere"));
    chmod(elsewhere, "rwxr-xr-x");
    Files.createSymbolicLink(home.resolve("staging"), elsewhere);
    DataDirException e =
        assertThrows(DataDirException.class, () -> DataDirModes.enforce(home, w -> {}));
    assertTrue(
        e.getMessage().contains("staging is a symbolic link (to " + elsewhere), e.getMessage());
    assertEquals("rwxr-xr-x", mode(home), "refused before changing anything");
    assertEquals("rwxr-xr-x", mode(home.resolve("cas")));
    assertEquals("rwxr-xr-x", mode(elsewhere));
    assertTrue(Files.notExists(home.resolve("logs")));
  }

  @Test
  void aHomeOwnedByAnotherUserIsRefused() throws Exception {
    Assumptions.assumeTrue(DataDirModes.currentUid() == 0, "needs root to chown");
    Path home = leakyHome();
    Files.setAttribute(home, "unix:uid", 65534);
    DataDirException e =
        assertThrows(DataDirException.class, () -> DataDirModes.enforce(home, w -> {}));
    assertTrue(
        e.getMessage().contains("is owned by uid 65534, but lattice-fs runs as uid 0"),
        e.getMessage());
    assertEquals("rwxr-xr-x", mode(home));
    Files.setAttribute(home, "unix:uid", 0);
    Files.setAttribute(home.resolve("kv"), "unix:uid", 65534);
    e = assertThrows(DataDirException.class, () -> DataDirModes.enforce(home, w -> {}));
    assertTrue(
        e.getMessage().startsWith(home.resolve("kv") + " is owned by uid 65534"), e.getMessage());
  }

  @Test
  void aHomeThatIsASymlinkToADirectoryIsUsedThroughIt() throws Exception {
    Path disk = Files.createDirectories(tmp.resolve("bigdisk/lattice"));
    chmod(disk, "rwxr-xr-x");
    Path home = Files.createSymbolicLink(tmp.resolve("home"), disk);
    DataDirModes.enforce(home, w -> {});
    assertEquals("rwx------", mode(disk));
    assertTrue(Files.isDirectory(disk.resolve("kv")));
    Files.writeString(tmp.resolve("file"), "x");
    Path notDir = Files.createSymbolicLink(tmp.resolve("home2"), tmp.resolve("file"));
    DataDirException e =
        assertThrows(DataDirException.class, () -> DataDirModes.enforce(notDir, w -> {}));
    assertTrue(e.getMessage().contains("is not a directory"), e.getMessage());
  }

  @Test
  void aMissingHomeIsCreatedPrivate() throws Exception {
    Path home = tmp.resolve("a/b/home");
    DataDirModes.enforce(home, w -> {});
    assertEquals("rwx------", mode(home));
    for (String d : DataDirModes.DIRECTORIES) {
      assertEquals("rwx------", mode(home.resolve(d)));
    }
  }
}
