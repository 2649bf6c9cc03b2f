package org.latticefs.fs.fuse.libfuse;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM serving {@link MemoryRawFs} at {@code args[0]}: prints {@code MOUNTED}, then serves
 * until the process is killed. It never unmounts by itself: {@link Process#destroy()} closes the
 * child's stdin right after sending SIGTERM, so a child that unmounted at end of input would race
 * the signal, and the test would not see what the signal alone does.
 */
public final class MountChild {
  private MountChild() {}

  public static void main(String[] args) throws IOException, InterruptedException {
    LibfuseMount.mount(new MemoryRawFs(), Path.of(args[0]), MountOptions.of("use_ino"));
    System.out.println("MOUNTED");
    System.out.flush();
    new CountDownLatch(1).await();
  }

  /** Starts a child serving at {@code mnt} and returns once it has mounted. */
  static Process start(Path mnt) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                MountChild.class.getName(),
                mnt.toString())
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line; (line = out.readLine()) != null; ) {
      if (line.equals("MOUNTED")) {
        return p;
      }
    }
    throw new IOException("the child exited before mounting (exit " + p.exitValue() + ")");
  }
}
