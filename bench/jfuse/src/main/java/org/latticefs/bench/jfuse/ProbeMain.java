package org.latticefs.bench.jfuse;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cryptomator.jfuse.api.Fuse;
import org.cryptomator.jfuse.api.FuseBuilder;
import org.cryptomator.jfuse.api.FuseConfig;
import org.cryptomator.jfuse.api.FuseConnInfo;
import org.cryptomator.jfuse.api.FuseMountFailedException;
import org.cryptomator.jfuse.api.FuseOperations;
import org.latticefs.bench.fs.MemoryTree;
import org.latticefs.bench.fs.PassthroughTree;

/**
 * Mounts one of the probe's jfuse filesystems in the foreground: {@code KIND SOURCE MNT}, KIND
 * {@code passthrough} (SOURCE a directory) or {@code memory} (SOURCE ignored, e.g. {@code none}).
 * Prints {@code MOUNTED} once the kernel serves the mount, then serves until stdin closes or the
 * process gets SIGTERM, and unmounts.
 *
 * <p>Mount options ({@link #OPTIONS}): the libfuse3 counterparts of Lattice's {@code
 * FuseMount.DEFAULT_OPTIONS}. {@code big_writes} is gone in libfuse3 (always on) and {@code
 * max_write} is no longer a mount option: libfuse3 negotiates the largest write its buffer takes (1
 * MiB with kernels that know {@code max_pages}), which {@code init} prints. {@code use_ino} is left
 * out because jfuse's {@code Stat} has no inode field (with it every file would show inode 0). The
 * system property {@code probe.options} replaces the {@code -o} list.
 */
public final class ProbeMain {
  /** The {@code -o} list used unless {@code probe.options} is set. */
  public static final String OPTIONS =
      "auto_cache,default_permissions,max_read=1048576,fsname=latticeprobe,subtype=latticeprobe";

  /** The runtime libfuse3 (Debian's libfuse3-3); the system property {@code probe.libfuse3}. */
  public static final String LIBFUSE3 = "/lib/x86_64-linux-gnu/libfuse3.so.3";

  private static volatile boolean described;

  private ProbeMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 3) {
      System.err.println("usage: ProbeMain passthrough|memory SOURCE|none MOUNTPOINT");
      System.exit(2);
    }
    FuseBuilder builder = Fuse.builder();
    // jfuse loads "fuse3" from java.library.path, i.e. libfuse3.so, which only the -dev package
    // provides; point it at the runtime library instead.
    builder.setLibraryPath(System.getProperty("probe.libfuse3", LIBFUSE3));
    FuseOperations ops =
        switch (args[0]) {
          case "passthrough" ->
              new JfusePassthrough(builder.errno(), new PassthroughTree(Path.of(args[1])));
          case "memory" ->
              new JfuseMemory(builder.errno(), new MemoryTree(Boolean.getBoolean("probe.discard")));
          default -> throw new IllegalArgumentException("unknown kind " + args[0]);
        };
    Path mnt = Path.of(args[2]);
    Fuse fuse = builder.build(ops);
    List<String> flags = new ArrayList<>();
    flags.add("-o" + options());
    try {
      fuse.mount("lattice-jfuse-probe", mnt, flags.toArray(String[]::new));
    } catch (FuseMountFailedException e) {
      // jfuse leaves the kernel mount behind when the loop fails after fuse_mount succeeded.
      new ProcessBuilder("fusermount3", "-uz", mnt.toString()).inheritIO().start().waitFor();
      throw e;
    }
    Thread hook = new Thread(() -> close(fuse), "unmount");
    Runtime.getRuntime().addShutdownHook(hook);
    System.out.println("MOUNTED");
    System.out.flush();
    try {
      while (System.in.read() >= 0) {
        // Serve until stdin closes.
      }
    } catch (IOException e) {
      // stdin is gone: unmount as if it closed.
    }
    close(fuse);
    Runtime.getRuntime().removeShutdownHook(hook);
  }

  private static String options() {
    return System.getProperty("probe.options", OPTIONS);
  }

  private static void close(Fuse fuse) {
    try {
      fuse.close();
    } catch (TimeoutException e) {
      System.err.println("jfuse: the FUSE loop did not stop within its timeout");
    }
  }

  /**
   * Called from {@code init}: sets {@code max_read} to the mount option's value (libfuse 3.14
   * refuses the mount, "init() and fuse_session_new() requested different maximum read size", when
   * {@code -o max_read=N} is given and {@code init} leaves the connection's {@code max_read} at 0)
   * and {@code max_write} to the system property {@code probe.maxWrite} if set (e.g. 131072, to
   * compare with libfuse2's 128 KiB), and prints (once) what was negotiated, to stderr.
   */
  static void negotiate(FuseConnInfo conn, FuseConfig config) {
    Matcher m = Pattern.compile("(?:^|,)max_read=(\\d+)").matcher(options());
    if (m.find()) {
      conn.setMaxRead(Integer.parseInt(m.group(1)));
    }
    Integer maxWrite = Integer.getInteger("probe.maxWrite");
    if (maxWrite != null) {
      conn.setMaxWrite(maxWrite);
    }
    if (described) {
      return;
    }
    described = true;
    System.err.printf(
        Locale.ROOT,
        "jfuse init: proto %d.%d max_write %d max_read %d max_readahead %d max_background %d"
            + " capable 0x%x want 0x%x; attr_timeout %.1f entry_timeout %.1f auto_cache %d"
            + " use_ino %d%n",
        conn.protoMajor(),
        conn.protoMinor(),
        conn.maxWrite(),
        conn.maxRead(),
        conn.maxReadahead(),
        conn.maxBackground(),
        conn.capable(),
        conn.want(),
        config.attrTimeout(),
        config.entryTimeout(),
        config.autoCache(),
        config.useIno());
  }
}
