package org.latticefs.fs.fuse.libfuse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a child process that mounts a filesystem and waits for it to say so: the protocol of the
 * mount tests' and the benchmarks' children (print the line {@code MOUNTED} once the kernel serves
 * the mount, serve until stdin closes).
 */
public final class ChildJvm {
  private ChildJvm() {}

  /**
   * Runs {@code main} in a JVM on this classpath with {@code jvmArgs} and {@code args} (logging at
   * WARN, stderr inherited) and returns once it printed the line {@code MOUNTED}.
   *
   * @throws IOException if the child exits first
   */
  public static Process startMounted(Class<?> main, List<String> jvmArgs, String... args)
      throws IOException {
    return startMounted(command(main, jvmArgs, args));
  }

  /** {@code java JVM_ARGS -cp (this classpath) MAIN ARGS} on this JVM's {@code java}. */
  public static List<String> command(Class<?> main, List<String> jvmArgs, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    cmd.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
            main.getName()));
    cmd.addAll(List.of(args));
    return cmd;
  }

  /**
   * Runs {@code cmd} (stderr inherited) and returns once it printed the line {@code MOUNTED}.
   *
   * @throws IOException if the child exits first
   */
  public static Process startMounted(List<String> cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("MOUNTED")) {
        return p;
      }
    }
    throw new IOException(String.join(" ", cmd) + " exited before mounting");
  }
}
