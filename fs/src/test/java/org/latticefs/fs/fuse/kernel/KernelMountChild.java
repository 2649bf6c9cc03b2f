package org.latticefs.fs.fuse.kernel;

import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/**
 * A child JVM serving {@link MemoryInodeFs} at {@code args[0]} through {@link KernelMount}: prints
 * {@code MOUNTED}, then serves until it is killed (it never unmounts by itself).
 */
public final class KernelMountChild {
  private KernelMountChild() {}

  public static void main(String[] args) throws Exception {
    KernelMount.mount(new MemoryInodeFs(true), Path.of(args[0]), KernelOptions.defaults("kchild"));
    System.out.println("MOUNTED");
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
