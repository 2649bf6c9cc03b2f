package org.latticefs.cas.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFileTest {
  @TempDir Path dir;

  @Test
  void replacesContentAndLeavesNoTempFile() throws IOException {
    Path f = dir.resolve("state");
    AtomicFile.write(f, "one".getBytes(StandardCharsets.UTF_8));
    AtomicFile.write(f, "two".getBytes(StandardCharsets.UTF_8));
    assertEquals("two", Files.readString(f));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(f)));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count());
    }
  }

  @Test
  void aFailingWriterKeepsTheOldContentAndCleansUp() throws IOException {
    Path f = dir.resolve("state");
    AtomicFile.write(f, new byte[] {1, 2, 3});
    assertThrows(
        IOException.class,
        () ->
            AtomicFile.write(
                f,
                ch -> {
                  ch.write(java.nio.ByteBuffer.wrap(new byte[] {9}));
                  throw new IOException("disk full");
                }));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(f));
    try (Stream<Path> s = Files.list(dir)) {
      assertEquals(1, s.count());
    }
  }
}
