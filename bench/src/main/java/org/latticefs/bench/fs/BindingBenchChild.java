package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.libfuse.JnrFuseAdapter;
import org.latticefs.fs.fuse.libfuse.LibfuseMount;
import org.latticefs.fs.fuse.libfuse.MountOptions;

/**
 * One side of {@link BindingBench}: serves a fresh {@link TreeFs} at {@code args[1]} through the
 * binding named by {@code args[0]} ({@code libfuse}: Lattice's byte-name binding; {@code jnr-fuse}:
 * jnr-fuse's {@code FuseStubFS} over {@link JnrFuseAdapter}) with the {@code -o} options {@code
 * args[2]}; prints {@code MOUNTED}, serves until stdin closes, then unmounts with {@code fusermount
 * -u}.
 */
public final class BindingBenchChild {
  private BindingBenchChild() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    Path mnt = Path.of(args[1]);
    String options = args[2];
    switch (kind) {
      case "libfuse" -> {
        LibfuseMount mount = LibfuseMount.mount(new TreeFs(), mnt, MountOptions.of(options));
        announceAndServe();
        mount.unmount();
      }
      case "jnr-fuse" -> {
        JnrFuseAdapter fs = new JnrFuseAdapter(new TreeFs());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread loop =
            new Thread(
                () -> {
                  try {
                    fs.mount(mnt, true, false, new String[] {"-o", options});
                  } catch (Throwable e) {
                    failure.set(e);
                  }
                },
                "jnr-fuse-loop");
        loop.setDaemon(true);
        loop.start();
        while (!FuseMount.isMounted(mnt)) {
          if (!loop.isAlive()) {
            throw new IOException("jnr-fuse mount failed", failure.get());
          }
          Thread.sleep(10);
        }
        announceAndServe();
        Process p = new ProcessBuilder("fusermount", "-u", mnt.toString()).inheritIO().start();
        p.waitFor();
        loop.join(10_000);
      }
      default -> throw new IllegalArgumentException("binding: libfuse or jnr-fuse, not " + kind);
    }
  }

  private static void announceAndServe() throws IOException {
    System.out.println("MOUNTED");
    System.out.flush();
    System.in.readAllBytes();
  }
}
