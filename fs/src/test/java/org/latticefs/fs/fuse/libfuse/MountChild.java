package org.latticefs.fs.fuse.libfuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
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
    return ChildJvm.startMounted(MountChild.class, List.of(), mnt.toString());
  }
}
