package org.latticefs.node.format;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.DataDirException;

/** The format stamp: fresh directories stamped, older ones migrated, newer ones refused. */
class DataDirFormatTest {
  @TempDir Path tmp;
  final List<String> ran = new ArrayList<>();

  List<Migration> steps() {
    return List.of(
        new Migration(2, "two-a", d -> ran.add("2a")),
        new Migration(2, "two-b", d -> ran.add("2b")),
        new Migration(3, "three", d -> ran.add("3")));
  }

  /** A directory as a build before the stamp left it: an identity, no FORMAT. */
  DataDir formatOne() throws IOException {
    DataDir dir = new DataDir(tmp.resolve("home"));
    Files.createDirectories(dir.kv());
    Files.writeString(dir.kv().resolve("identity.key"), "key");
    return dir;
  }

  @Test
  void aFreshDirectoryIsStampedWithoutMigrating() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    DataDirFormat.prepare(dir, 3, steps());
    assertEquals(OptionalInt.of(3), FormatStamp.read(dir));
    assertEquals(List.of(), ran);
    assertEquals(
        "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.format())));
    assertTrue(Files.readString(dir.format()).contains("\nformat=3\n"));
  }

  @Test
  void anUnstampedDirectoryWithDataIsFormatOneAndRunsEveryStepInOrder() throws Exception {
    DataDir dir = formatOne();
    DataDirFormat.prepare(dir, 3, steps());
    assertEquals(List.of("2a", "2b", "3"), ran);
    assertEquals(OptionalInt.of(3), FormatStamp.read(dir));
    DataDirFormat.prepare(dir, 3, steps());
    assertEquals(3, ran.size(), "a current directory runs nothing");
  }

  @Test
  void theDefaultStepsBringFormatOneToCurrent() throws Exception {
    DataDir dir = formatOne();
    DataDirFormat.prepare(dir);
    assertEquals(OptionalInt.of(Migrations.CURRENT), FormatStamp.read(dir));
    assertEquals(Migrations.CURRENT, Migrations.between(1, Migrations.CURRENT).size() + 1);
  }

  @Test
  void aFailingStepLeavesTheLastCompletedVersionAndIsRetried() throws Exception {
    DataDir dir = formatOne();
    List<Migration> failing =
        List.of(
            new Migration(2, "two", d -> ran.add("2")),
            new Migration(
                3,
                "three",
                d -> {
                  throw new IOException("disk on fire");
                }));
    IOException e = assertThrows(IOException.class, () -> DataDirFormat.prepare(dir, 3, failing));
    assertTrue(e.getMessage().contains("to format 3 failed (three): disk on fire"), e.getMessage());
    assertTrue(e.getMessage().contains("it is still format 2"), e.getMessage());
    assertEquals(OptionalInt.of(2), FormatStamp.read(dir));
    DataDirFormat.prepare(dir, 3, steps());
    assertEquals(List.of("2", "3"), ran, "only the step after the stamped version reruns");
    assertEquals(OptionalInt.of(3), FormatStamp.read(dir));
  }

  @Test
  void aNewerFormatIsRefusedAndNothingIsTouched() throws Exception {
    DataDir dir = formatOne();
    Files.setPosixFilePermissions(dir.root(), PosixFilePermissions.fromString("rwxr-xr-x"));
    FormatStamp.write(dir, 7);
    byte[] stamp = Files.readAllBytes(dir.format());
    DataDirException e =
        assertThrows(DataDirException.class, () -> DataDirFormat.prepare(dir, 3, steps()));
    assertEquals(
        "the data directory "
            + dir.root()
            + " was made by a newer lattice-fs (format 7, this build knows up to 3); upgrade"
            + " lattice-fs to use it",
        e.getMessage());
    assertEquals(List.of(), ran);
    assertTrue(java.util.Arrays.equals(stamp, Files.readAllBytes(dir.format())));
    assertEquals(
        "rwxr-xr-x", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.root())));
    assertTrue(Files.notExists(dir.staging()), "nothing created");
    assertTrue(Files.notExists(dir.formatLock()));
  }

  @Test
  void aDamagedStampIsRefusedNotRewritten() throws Exception {
    DataDir dir = formatOne();
    for (String junk : List.of("format=two\n", "hello\n", "format=0\n", "x".repeat(5000))) {
      Files.writeString(dir.format(), junk);
      DataDirException e =
          assertThrows(DataDirException.class, () -> DataDirFormat.prepare(dir, 3, steps()));
      assertTrue(
          e.getMessage().startsWith(dir.format() + " is not a format stamp"), e.getMessage());
      assertEquals(junk, Files.readString(dir.format()));
    }
    Files.write(dir.format(), new byte[] {'f', (byte) 0xff});
    assertThrows(DataDirException.class, () -> DataDirFormat.prepare(dir, 3, steps()));
  }

  @Test
  void aDirectoryInUseIsNotMigrated() throws Exception {
    DataDir dir = formatOne();
    try (FileChannel ch =
            FileChannel.open(
                dir.kv().resolve("lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock held = ch.lock()) {
      DataDirException e =
          assertThrows(DataDirException.class, () -> DataDirFormat.prepare(dir, 3, steps()));
      assertTrue(
          e.getMessage().contains("is in use by another lattice-fs process"), e.getMessage());
    }
    assertEquals(List.of(), ran);
    assertEquals(OptionalInt.empty(), FormatStamp.read(dir));
  }
}
