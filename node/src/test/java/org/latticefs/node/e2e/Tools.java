package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * External programs the deploy and metrics tests drive (prometheus, promtool, chromium, smbd…):
 * found on the PATH, or the test is skipped, unless the environment variable {@code CI} is set:
 * then a missing tool fails the test ({@code .ci/run} installs them).
 */
final class Tools {
  private Tools() {}

  /** The tool's path; skips (or, under CI, fails) when it is not installed. */
  static Path require(String name, String debianPackage) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      for (String d : new String[] {dir, "/usr/sbin", "/sbin"}) {
        Path p = Path.of(d.isEmpty() ? "." : d, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    String why = name + " is not installed (Debian: apt-get install -y " + debianPackage + ")";
    if (System.getenv("CI") != null) {
      fail("required in CI: " + why);
    }
    Assumptions.assumeTrue(false, why);
    throw new AssertionError("unreachable");
  }

  /** A loopback TCP port free right now. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The repository root (the parent of node/). */
  static Path repo() {
    return Path.of(System.getProperty("basedir", System.getProperty("user.dir"))).getParent();
  }
}
