package org.latticefs.fs.fuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.core.LatticeFileSystem;

/**
 * Which binding the mount tests mount through: {@code -Dlattice.test.binding=kernel} or {@code
 * =libfuse} forces one; without it they mount the way the product does ({@link
 * FuseMount#mount(LatticeFileSystem, Path, List, FsObserver)}). Read from the command line (a test
 * configuration, never set by a test); child JVMs get it passed on with {@link #jvmArgs()}.
 */
final class TestBinding {
  private static final String PROPERTY = "lattice.test.binding";

  private TestBinding() {}

  static FuseMount mount(LatticeFileSystem fs, Path mnt, List<String> options, FsObserver observer)
      throws IOException {
    String forced = System.getProperty(PROPERTY, "");
    return switch (forced) {
      case "kernel" -> FuseMount.mount(fs, mnt, options, observer, Binding.KERNEL);
      case "libfuse" -> FuseMount.mount(fs, mnt, options, observer, Binding.LIBFUSE);
      default -> FuseMount.mount(fs, mnt, options, observer);
    };
  }

  /** The JVM arguments that give a child JVM this JVM's choice. */
  static List<String> jvmArgs() {
    String forced = System.getProperty(PROPERTY, "");
    return forced.isEmpty() ? List.of() : List.of("-D" + PROPERTY + "=" + forced);
  }
}
