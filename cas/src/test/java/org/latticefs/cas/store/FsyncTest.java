package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FsyncTest {
  @TempDir Path dir;

  @BeforeEach
  void linuxOnly() {
    assumeTrue(Fsync.hasWriteNew(), "native writes exist on Linux only");
  }

  @Test
  void writesExactlyTheSliceOfTheArray() throws IOException {
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    Path f = dir.resolve("a.tmp");
    assertTrue(Fsync.writeNew(f, data, 12345, 2_000_001));
    assertArrayEquals(Arrays.copyOfRange(data, 12345, 12345 + 2_000_001), Files.readAllBytes(f));
  }

  @Test
  void emptyFile() throws IOException {
    Path f = dir.resolve("empty.tmp");
    assertTrue(Fsync.writeNew(f, new byte[4], 4, 0));
    assertArrayEquals(new byte[0], Files.readAllBytes(f));
  }

  @Test
  void neverOverwritesAnExistingFile() throws IOException {
    Path f = dir.resolve("b.tmp");
    Files.write(f, new byte[] {1, 2, 3});
    assertFalse(Fsync.writeNew(f, new byte[] {9, 9}, 0, 2));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
  }

  @Test
  void failuresCarryTheSystemsReason() {
    IOException e =
        assertThrows(
            IOException.class,
            () -> Fsync.writeNew(dir.resolve("missing/c.tmp"), new byte[1], 0, 1));
    assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
  }
}
