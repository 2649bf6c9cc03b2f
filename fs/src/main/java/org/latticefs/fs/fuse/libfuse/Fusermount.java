package org.latticefs.fs.fuse.libfuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs {@code fusermount -u} (non-lazy) on a mount point and waits for it. */
final class Fusermount {
  private static final List<String> DIRS = List.of("/usr/bin", "/bin", "/usr/local/bin");

  private Fusermount() {}

  /**
   * Unmounts {@code mountPoint}.
   *
   * @throws IOException with fusermount's message if it failed (the mount is busy, or not there),
   *     or if no fusermount is installed
   */
  static void unmount(Path mountPoint) throws IOException {
    String bin = binary();
    List<String> cmd = List.of(bin, "-u", mountPoint.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " did not finish within 60 s");
      }
      if (p.exitValue() != 0) {
        throw new IOException(String.join(" ", cmd) + " failed: " + out);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted while running " + String.join(" ", cmd), e);
    }
  }

  private static String binary() throws IOException {
    for (String dir : DIRS) {
      for (String name : List.of("fusermount", "fusermount3")) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p.toString();
        }
      }
    }
    throw new IOException("fusermount not found: apt-get install -y fuse3");
  }
}
