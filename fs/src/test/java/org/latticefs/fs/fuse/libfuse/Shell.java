package org.latticefs.fs.fuse.libfuse;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** Runs {@code bash -c} scripts for the mount tests, with output kept as raw bytes. */
final class Shell {
  private Shell() {}

  /** What a script printed and how it exited. */
  record Result(int exit, byte[] stdout, String stderr) {
    String out() {
      return new String(stdout, StandardCharsets.ISO_8859_1);
    }
  }

  /** Runs {@code script} in {@code cwd} (bash, {@code LC_ALL=C}); waits up to 60 s. */
  static Result run(Path cwd, String script) throws IOException {
    ProcessBuilder pb = new ProcessBuilder("bash", "-c", script).directory(cwd.toFile());
    pb.environment().put("LC_ALL", "C");
    Process p = pb.start();
    CompletableFuture<byte[]> err =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return p.getErrorStream().readAllBytes();
              } catch (IOException e) {
                return new byte[0];
              }
            });
    byte[] out = p.getInputStream().readAllBytes();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("timed out: " + script);
      }
      return new Result(p.exitValue(), out, new String(err.join(), StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }

  /** {@link #run}, failing the test unless the script exits 0; returns stdout. */
  static byte[] ok(Path cwd, String script) throws IOException {
    Result r = run(cwd, script);
    if (r.exit() != 0) {
      fail("`" + script + "` exited " + r.exit() + ": " + r.stderr());
    }
    return r.stdout();
  }

  /**
   * Skips the test when FUSE cannot work here ({@code /dev/fuse}, {@code fusermount}, libfuse2),
   * unless the environment variable {@code CI} is set: then it fails.
   */
  static void requireFuse() {
    String missing = null;
    if (!Files.exists(Path.of("/dev/fuse"))) {
      missing = "/dev/fuse";
    } else if (!Files.isExecutable(Path.of("/usr/bin/fusermount"))
        && !Files.isExecutable(Path.of("/bin/fusermount"))
        && !Files.isExecutable(Path.of("/usr/bin/fusermount3"))) {
      missing = "fusermount (apt-get install -y fuse3)";
    } else {
      try {
        Libfuse.get();
      } catch (Throwable e) {
        missing = "libfuse2 (" + e.getMessage() + ")";
      }
    }
    if (missing != null) {
      if (System.getenv("CI") != null) {
        fail("FUSE is required in CI: missing " + missing);
      }
      Assumptions.assumeTrue(false, "FUSE unavailable: missing " + missing);
    }
  }

  /** Whether {@code /proc/self/mountinfo} lists {@code dir} as a mount point. */
  static boolean isMountPoint(Path dir) throws IOException {
    String target = " " + dir.toAbsolutePath().normalize() + " ";
    for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
      if (line.contains(target)) {
        return true;
      }
    }
    return false;
  }
}
