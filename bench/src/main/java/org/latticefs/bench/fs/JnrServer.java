package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.latticefs.bench.Shell;
import ru.serce.jnrfuse.FuseStubFS;

/**
 * Serves a jnr-fuse filesystem for a benchmark's child JVM: the protocol {@link
 * org.latticefs.fs.fuse.libfuse.ChildJvm} and the benches' children speak (print {@code MOUNTED}
 * once the kernel serves the mount, serve until stdin closes, then unmount with {@code fusermount
 * -u} and wait for it).
 */
final class JnrServer {
  private JnrServer() {}

  static void serve(FuseStubFS fs, Path mnt, List<String> options)
      throws IOException, InterruptedException {
    fs.mount(mnt, false, false, options.toArray(new String[0]));
    Shell.awaitMounted(mnt);
    System.out.println("MOUNTED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // Serve until stdin closes.
    }
    new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start().waitFor();
  }
}
