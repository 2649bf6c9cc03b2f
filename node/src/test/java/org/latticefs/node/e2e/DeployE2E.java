package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * deploy/: the install script into a fresh prefix (twice: idempotent) and back out, the unit it
 * installs accepted by {@code systemd-analyze verify}, and Prometheus's files by {@code promtool}.
 */
class DeployE2E {
  @TempDir Path tmp;

  private static Run run(String... cmd) throws Exception {
    return MountE2E.exec(List.of(cmd), Map.of());
  }

  @Test
  void installTwiceVerifyTheUnitAndUninstallLeavingNothing() throws Exception {
    Path install = Tools.repo().resolve("deploy/install.sh");
    Path prefix = tmp.resolve("prefix");
    for (int i = 0; i < 2; i++) {
      Run r = run(install.toString(), prefix.toString());
      assertEquals(0, r.code(), r.out() + r.err());
    }
    Path unit = prefix.resolve("lib/systemd/system/lattice-fs.service");
    String text = Files.readString(unit);
    assertTrue(text.contains("ExecStart=" + prefix + "/bin/lattice-fs mount /srv/lattice"), text);
    assertFalse(text.contains("@"), "every placeholder is filled:\n" + text);
    assertTrue(Files.isRegularFile(prefix.resolve("var/lib/lattice/config.properties")));
    assertEquals(
        "rwx------",
        java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(prefix.resolve("var/lib/lattice"))));
    Run v = run(prefix.resolve("bin/lattice-fs").toString(), "--version");
    assertEquals(0, v.code(), v.err());
    assertTrue(v.out().startsWith("lattice-fs "), v.out());
    assertTrue(
        Files.readString(prefix.resolve("share/doc/lattice/lattice-fs.txt"))
            .contains("lattice-fs mount"));

    Path analyze = Tools.require("systemd-analyze", "systemd");
    Run check = run(analyze.toString(), "verify", unit.toString());
    assertEquals(0, check.code(), check.out() + check.err());
    assertFalse(check.err().contains(unit.getFileName().toString()), check.err());

    Run u = run(install.toString(), "--uninstall", prefix.toString());
    assertEquals(0, u.code(), u.out() + u.err());
    assertFalse(Files.exists(prefix), "left behind: " + listing(tmp));
  }

  @Test
  void uninstallKeepsAnEditedConfig() throws Exception {
    Path install = Tools.repo().resolve("deploy/install.sh");
    Path prefix = tmp.resolve("p");
    assertEquals(0, run(install.toString(), prefix.toString()).code());
    Path config = prefix.resolve("var/lib/lattice/config.properties");
    Files.writeString(config, "storage.quota=1G\n");
    Run u = run(install.toString(), "--uninstall", prefix.toString());
    assertEquals(0, u.code(), u.err());
    assertEquals("storage.quota=1G\n", Files.readString(config));
    assertTrue(u.err().contains("keeping " + config), u.err());
    assertFalse(Files.exists(prefix.resolve("lib")));
  }

  @Test
  void promtoolAcceptsTheScrapeConfigAndTheRules() throws Exception {
    Path promtool = Tools.require("promtool", "prometheus");
    Path dir = Tools.repo().resolve("deploy/prometheus");
    Run c = run(promtool.toString(), "check", "config", dir.resolve("prometheus.yml").toString());
    assertEquals(0, c.code(), c.out() + c.err());
    Run r = run(promtool.toString(), "check", "rules", dir.resolve("lattice-rules.yml").toString());
    assertEquals(0, r.code(), r.out() + r.err());
  }

  private static String listing(Path dir) throws Exception {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(Path::toString).toList().toString();
    }
  }
}
