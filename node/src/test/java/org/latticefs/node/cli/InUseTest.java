package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A second process on a data directory held by another gets a clear "in use" error. */
class InUseTest {
  @TempDir Path home;

  @Test
  void secondProcessIsToldTheDirectoryIsInUse() throws Exception {
    String id = CliRun.run(home, "init").out().trim();
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process holder =
        new ProcessBuilder(
                List.of(
                    java,
                    "-cp",
                    System.getProperty("java.class.path"),
                    "org.latticefs.node.Main",
                    "--home",
                    home.toString(),
                    "shell"))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    try {
      OutputStream in = holder.getOutputStream();
      BufferedReader out =
          new BufferedReader(
              new InputStreamReader(holder.getInputStream(), StandardCharsets.UTF_8));
      in.write("id\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      // Once it printed the id, the shell holds the data directory open.
      assertEquals(id, out.readLine());

      CliRun second = CliRun.run(home, "kv", "put", "/x", "y");
      assertEquals(1, second.code());
      assertTrue(second.err().contains("is in use by another lattice-fs process"), second.err());
      assertTrue(second.err().startsWith("lattice-fs: the data directory " + home), second.err());

      in.write("kv put /x from-holder\nexit\n".getBytes(StandardCharsets.UTF_8));
      in.flush();
      assertTrue(holder.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, holder.exitValue());
    } finally {
      holder.destroyForcibly();
    }
    // Released: the value the holder wrote is there, nothing is corrupt.
    assertEquals("from-holder", CliRun.run(home, "kv", "get", "/x").out());
  }
}
