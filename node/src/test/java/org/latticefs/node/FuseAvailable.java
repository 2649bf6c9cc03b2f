package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/** For tests that mount: skips them without FUSE, or fails them when {@code CI} is set. */
public final class FuseAvailable {
  private FuseAvailable() {}

  public static void require() throws Exception {
    boolean dev = Files.exists(Path.of("/dev/fuse"));
    Process p = new ProcessBuilder("sh", "-c", "ldconfig -p | grep -q 'libfuse\\.so\\.2'").start();
    boolean lib = p.waitFor(30, TimeUnit.SECONDS) && p.exitValue() == 0;
    if (dev && lib) {
      return;
    }
    String why =
        "FUSE unavailable: /dev/fuse "
            + (dev ? "present" : "missing")
            + ", libfuse2 "
            + (lib ? "present" : "missing");
    if (System.getenv("CI") != null) {
      fail(why + " (CI is set: FUSE tests must run)");
    }
    Assumptions.abort(why);
  }
}
