package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.ME;
import static org.latticefs.fs.core.FsFixture.O_RDWR;
import static org.latticefs.fs.core.FsFixture.O_WRONLY;
import static org.latticefs.fs.core.FsFixture.assertFailsWith;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.Errno;
import org.latticefs.fs.SpaceProvider;
import org.latticefs.fs.UnsavedFile;

/**
 * A file whose last commit fails keeps what was written: saved beside it as {@code
 * name.unsaved-<UTC time>} (the file keeps its last committed version, as the failed close told the
 * writer), or, when even that cannot be stored, its staging file kept on disk with a description,
 * listed again after a restart.
 */
class UnsavedFilesTest extends DirectFsTest {
  private static final IOException FULL = new IOException("No space left on device");

  @Test
  void aCloseWhoseCommitFailsSavesTheContentBesideTheFile() throws IOException {
    byte[] old = random(50_000, 1);
    f.put("/docs/report.txt", old);
    byte[] now = random(80_000, 2);
    long fh = fs.open("/docs/report.txt", O_RDWR);
    f.write(fh, 0, now);
    f.blobs.failNextCommits(1, FULL);
    // close(2): the flush fails and says so...
    assertFailsWith(Errno.ENOSPC, () -> fs.flush(fh));
    // ... and the release does not commit it after all under the name, but beside it.
    assertFailsWith(Errno.ENOSPC, () -> fs.release(fh));
    assertArrayEquals(old, f.get("/docs/report.txt"), "the file keeps its committed version");
    List<String> names = fs.list("/docs");
    assertEquals(2, names.size(), names.toString());
    String saved = names.get(1);
    assertTrue(saved.matches("report\\.txt\\.unsaved-\\d{8}T\\d{6}Z"), saved);
    assertArrayEquals(now, f.get("/docs/" + saved));
    List<UnsavedFile> listed = fs.unsavedFiles();
    assertEquals(1, listed.size());
    assertEquals("/docs/report.txt", listed.get(0).path());
    assertEquals("/docs/" + saved, listed.get(0).savedAs());
    assertTrue(listed.get(0).reason().contains("No space left"), listed.get(0).reason());
    assertNoStagingFiles();
  }

  @Test
  void aLogCommitThatFailsAtReleaseSavesTheStoredVersionInASubdirectory() throws IOException {
    fs.mkdir("/docs/sub", 0755, ME);
    long fh = fs.create("/docs/sub/new.bin", 0644, O_WRONLY, ME);
    byte[] data = random(10_000, 3);
    f.write(fh, 0, data);
    f.faults("docs").failNextAppends(1);
    assertFailsWith(Errno.EIO, () -> fs.release(fh));
    List<String> names = fs.list("/docs/sub");
    assertEquals(1, names.size(), names.toString());
    assertTrue(names.get(0).startsWith("new.bin.unsaved-"), names.toString());
    assertArrayEquals(data, f.get("/docs/sub/" + names.get(0)));
    assertEquals("/docs/sub/" + names.get(0), fs.unsavedFiles().get(0).savedAs());
  }

  @Test
  void whenNothingCanBeStoredTheStagingFileIsKeptOnDiskAndListedAfterARestart() throws IOException {
    f.put("/docs/big.bin", random(30_000, 4));
    long fh = fs.open("/docs/big.bin", O_RDWR);
    byte[] patch = random(200_000, 5);
    f.write(fh, 100_000, patch);
    f.blobs.failNextCommits(10, FULL);
    assertFailsWith(Errno.ENOSPC, () -> fs.flush(fh));
    assertFailsWith(Errno.ENOSPC, () -> fs.release(fh));
    assertEquals(List.of("big.bin"), fs.list("/docs"));
    UnsavedFile u = fs.unsavedFiles().get(0);
    assertNull(u.savedAs());
    Path kept = u.keptAt();
    assertNotNull(kept, u.describe());
    assertTrue(kept.startsWith(staging), kept.toString());
    byte[] onDisk = Files.readAllBytes(kept);
    assertArrayEquals(patch, Arrays.copyOfRange(onDisk, 100_000, 300_000));
    String stem = kept.getFileName().toString().replace(".staged", "");
    String description = Files.readString(kept.resolveSibling(stem + ".txt"));
    assertTrue(description.contains("file: /docs/big.bin"), description);
    assertTrue(description.contains("  100000 200000\n"), description);
    f.blobs.failNextCommits(0, FULL);
    // A restart empties the staging directory but keeps these, and lists them.
    reopen(c -> c);
    List<UnsavedFile> after = fs.unsavedFiles();
    assertEquals(1, after.size(), after.toString());
    assertEquals(kept, after.get(0).keptAt());
    assertEquals("docs", after.get(0).store());
    assertTrue(Files.exists(kept));
  }

  @Test
  void aFailedFlushFollowedBySuccessfulOneCommitsNormally() throws IOException {
    f.put("/docs/a", random(70_000, 6));
    byte[] now = random(80_000, 7);
    long fh = fs.open("/docs/a", O_RDWR);
    f.write(fh, 0, now);
    f.blobs.failNextCommits(1, FULL);
    assertFailsWith(Errno.ENOSPC, () -> fs.flush(fh));
    fs.flush(fh); // the writer retried, and was told it worked
    fs.release(fh);
    assertArrayEquals(now, f.get("/docs/a"));
    assertEquals(List.of("a"), fs.list("/docs"));
    assertEquals(List.of(), fs.unsavedFiles());
  }

  /**
   * A write refused for lack of room fails the file's changes since its last commit: the close
   * reports it and the file keeps its committed version; what the other writes wrote is saved
   * beside it.
   */
  @Test
  void aWriteRefusedForSpaceKeepsTheCommittedVersion() throws IOException {
    long[] free = {10L << 20};
    MutableClock clock = new MutableClock();
    reopen(c -> c.withClock(clock).withSpace(() -> new SpaceProvider.Space(1L << 30, free[0])));
    byte[] old = random(20_000, 8);
    f.put("/docs/db", old);
    long fh = fs.open("/docs/db", O_RDWR);
    byte[] first = random(100_000, 9);
    f.write(fh, 0, first);
    free[0] = 1000;
    assertFailsWith(Errno.ENOSPC, () -> f.write(fh, 100_000, random(100_000, 10)));
    assertFailsWith(Errno.ENOSPC, () -> fs.flush(fh));
    assertFailsWith(Errno.ENOSPC, () -> fs.release(fh));
    assertArrayEquals(old, f.get("/docs/db"));
    List<String> names = fs.list("/docs");
    assertEquals(2, names.size(), names.toString());
    assertArrayEquals(first, f.get("/docs/" + names.get(1)));
  }

  private void assertNoStagingFiles() throws IOException {
    try (var left = Files.list(staging)) {
      assertEquals(
          List.of(), left.filter(p -> !Files.isDirectory(p)).toList(), "staging files left");
    }
  }
}
