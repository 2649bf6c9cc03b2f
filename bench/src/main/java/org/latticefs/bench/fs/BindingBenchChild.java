package org.latticefs.bench.fs;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.kernel.InodeRawFs;
import org.latticefs.fs.fuse.kernel.KernelMount;
import org.latticefs.fs.fuse.kernel.KernelOptions;
import org.latticefs.fs.fuse.kernel.MemoryInodeFs;
import org.latticefs.fs.fuse.libfuse.JnrFuseAdapter;
import org.latticefs.fs.fuse.libfuse.LibfuseMount;
import org.latticefs.fs.fuse.libfuse.MountOptions;
import org.latticefs.fs.fuse.libfuse.RawFileSystem;

/**
 * One side of {@link BindingBench} and {@link BindingCeilingBench}: serves a fresh filesystem at
 * {@code args[1]} through the binding named by {@code args[0]} ({@code libfuse}: Lattice's
 * byte-name libfuse2 binding; {@code jnr-fuse}: jnr-fuse's {@code FuseStubFS} over {@link
 * JnrFuseAdapter}; {@code kernel}: the direct protocol binding, {@link KernelMount}) with the
 * libfuse {@code -o} options {@code args[2]} (the kernel binding takes its defaults, 1 MiB writes);
 * prints {@code MOUNTED}, serves until stdin closes, then unmounts.
 *
 * <p>{@code args[3]} names the filesystem: {@code tree} (default; {@link TreeFs}, path-based, so
 * not on {@code kernel}) or {@code null} (the null filesystem {@link MemoryInodeFs} without bytes:
 * sizes kept, reads return zeros; on the libfuse bindings through {@link InodeRawFs}).
 */
public final class BindingBenchChild {
  private BindingBenchChild() {}

  public static void main(String[] args) throws Exception {
    String kind = args[0];
    Path mnt = Path.of(args[1]);
    String options = args[2];
    boolean nullFs = args.length > 3 && args[3].equals("null");
    switch (kind) {
      case "kernel" -> {
        if (!nullFs) {
          throw new IllegalArgumentException("the kernel binding serves the null filesystem only");
        }
        KernelMount mount =
            KernelMount.mount(new MemoryInodeFs(false), mnt, KernelOptions.defaults("kernel-null"));
        announceAndServe();
        mount.unmount();
      }
      case "libfuse" -> {
        LibfuseMount mount = LibfuseMount.mount(rawFs(nullFs), mnt, MountOptions.of(options));
        announceAndServe();
        mount.unmount();
      }
      case "jnr-fuse" -> {
        JnrFuseAdapter fs = new JnrFuseAdapter(rawFs(nullFs));
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
      default ->
          throw new IllegalArgumentException("binding: kernel, libfuse or jnr-fuse, not " + kind);
    }
  }

  private static RawFileSystem rawFs(boolean nullFs) {
    return nullFs ? new InodeRawFs(new MemoryInodeFs(false)) : new TreeFs();
  }

  private static void announceAndServe() throws IOException {
    System.out.println("MOUNTED");
    System.out.flush();
    System.in.readAllBytes();
  }
}
