package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Lattice's BLAKE3 agrees with the {@code b3sum} program on real files. */
class Blake3B3sumTest {
  private static final int[] SIZES = {
    0, 1, 1023, 1024, 1025, 64 * 1024 + 1, Blake3.READ_SIZE, 3 * 1024 * 1024 + 17, 9 * 1024 * 1024
  };

  @TempDir Path dir;

  @Test
  void hashFileAgreesWithB3sumOnRandomFiles() throws Exception {
    long seed = new Random().nextLong();
    Random random = new Random(seed);
    List<Path> files = new ArrayList<>();
    for (int size : SIZES) {
      byte[] data = new byte[size];
      random.nextBytes(data);
      Path file = dir.resolve("random-" + size + ".bin");
      Files.write(file, data);
      files.add(file);
    }
    List<String> b3sum = b3sum(files);
    for (int i = 0; i < files.size(); i++) {
      Path file = files.get(i);
      String what = file.getFileName() + " (seed " + seed + ", " + Blake3.implementation() + ")";
      String expected = b3sum.get(i);
      assertEquals(expected, Blake3.hashFile(file).hex(), what + " hashFile");
      try (InputStream in = Files.newInputStream(file)) {
        assertEquals(expected, Blake3.hash(in).hex(), what + " stream");
      }
      try (FileChannel ch = FileChannel.open(file)) {
        assertEquals(expected, Blake3.hash(ch).hex(), what + " channel");
      }
      try (JavaBlake3Hasher java = new JavaBlake3Hasher()) {
        java.update(Files.readAllBytes(file));
        assertEquals(expected, java.finish().hex(), what + " java fallback");
      }
    }
  }

  @Test
  void hashFileReportsUnreadableInput() {
    assertThrows(NoSuchFileException.class, () -> Blake3.hashFile(dir.resolve("missing")));
    assertThrows(IOException.class, () -> Blake3.hashFile(dir));
  }

  /** The hex hash b3sum prints for each file, in order. */
  private static List<String> b3sum(List<Path> files) throws Exception {
    Blake3TestSupport.requireOrSkipOffCi(
        onPath("b3sum"), "the b3sum program (apt-get install b3sum)");
    List<String> command = new ArrayList<>(List.of("b3sum", "--no-names"));
    files.forEach(f -> command.add(f.toString()));
    Process p = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("b3sum did not finish");
    }
    assertEquals(0, p.exitValue(), "b3sum exit status");
    List<String> hashes = out.lines().toList();
    assertEquals(files.size(), hashes.size(), "one line per file from b3sum: " + out);
    return hashes;
  }

  private static boolean onPath(String program) {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String d : path.split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(d, program))) {
        return true;
      }
    }
    return false;
  }
}
