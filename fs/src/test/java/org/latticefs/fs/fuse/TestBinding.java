package org.latticefs.fs.fuse;

/**
 * Which binding the mount tests mount through: {@code -Dlattice.test.binding=kernel} runs them on
 * the direct binding ({@link Binding#KERNEL}), anything else on libfuse2. Read once per JVM from
 * the command line (a test configuration, never set by a test); child JVMs get it passed on with
 * {@link #jvmArg()}.
 */
final class TestBinding {
  private TestBinding() {}

  static Binding get() {
    return "kernel".equals(System.getProperty("lattice.test.binding"))
        ? Binding.KERNEL
        : Binding.LIBFUSE;
  }

  /** The JVM argument that gives a child JVM this JVM's binding. */
  static String jvmArg() {
    return "-Dlattice.test.binding=" + (get() == Binding.KERNEL ? "kernel" : "libfuse");
  }
}
