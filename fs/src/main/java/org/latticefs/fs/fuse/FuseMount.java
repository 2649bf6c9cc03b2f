package org.latticefs.fs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.latticefs.fs.FsObserver;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.fs.fuse.kernel.KernelMount;
import org.latticefs.fs.fuse.kernel.KernelOptions;
import org.latticefs.fs.fuse.libfuse.LibfuseMount;
import org.latticefs.fs.fuse.libfuse.MountOptions;
import org.latticefs.kv.KeyBytes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted {@link LatticeFileSystem}: served through the direct protocol binding ({@link
 * KernelAdapter} over {@link KernelMount}) when the process may call {@code mount(2)} (root), else
 * through the byte-name libfuse2 binding ({@link LibfuseAdapter} over {@link LibfuseMount}); the
 * libfuse2 binding also serves when an option asks for what the direct one does not implement. With
 * mounting that reports failure and unmounting that commits open files and waits.
 *
 * <h2>Options</h2>
 *
 * {@link #DEFAULT_OPTIONS}: {@code big_writes} (128 KiB writes instead of 4 KiB), {@code
 * max_read=131072}, {@code use_ino} (stable inode numbers, so hard links show as such), {@code
 * default_permissions} (the kernel checks modes), {@code fsname=lattice,subtype=lattice}. Not
 * {@code auto_cache}: it keeps the kernel's pages across opens while the size and mtime look
 * unchanged, and a write that fails (no room) leaves the file at its committed version with the
 * same size and mtime, so the kernel went on showing the refused bytes (node's {@code FullDiskE2E},
 * 2 of 3 runs); each open now starts from the daemon's bytes, which its chunk cache serves.
 *
 * <h2>Crashes</h2>
 *
 * A process killed with SIGKILL leaves a dead mount ("Transport endpoint is not connected"); {@link
 * #mount} detects that at the mount point and runs {@code fusermount -u} first.
 */
public final class FuseMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(FuseMount.class);

  /** The options {@link #mount(LatticeFileSystem, Path)} uses. */
  public static final List<String> DEFAULT_OPTIONS =
      List.of(
          "-o",
          "big_writes,max_read=131072,max_write=131072,use_ino,default_permissions,"
              + "fsname=lattice,subtype=lattice");

  /** How long {@link #unmount()} retries a busy mount. */
  private static final Duration BUSY_RETRY = Duration.ofSeconds(5);

  private final LatticeFileSystem fs;

  /** The binding's mount: exactly one of the two is set. */
  private final LibfuseMount libfuseMount;

  private final KernelMount kernelMount;
  private final KernelAdapter kernelAdapter;

  private FuseMount(
      LatticeFileSystem fs, LibfuseMount libfuse, KernelAdapter adapter, KernelMount kernel) {
    this.fs = fs;
    this.libfuseMount = libfuse;
    this.kernelAdapter = adapter;
    this.kernelMount = kernel;
  }

  /** Mounts with {@link #DEFAULT_OPTIONS}. */
  public static FuseMount mount(LatticeFileSystem fs, Path mountPoint) throws IOException {
    return mount(fs, mountPoint, DEFAULT_OPTIONS);
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} (created if missing) and returns once the kernel mount
   * exists. A stale mount left by a crashed process is cleaned first.
   *
   * @param options libfuse arguments, e.g. {@code ["-o", "big_writes,auto_cache"]}
   * @throws IOException if FUSE is unavailable (with the packages to install), the mount point is
   *     busy with a live mount, or libfuse refused the mount or an option (its reason is on stderr)
   */
  public static FuseMount mount(LatticeFileSystem fs, Path mountPoint, List<String> options)
      throws IOException {
    return mount(fs, mountPoint, options, FsObserver.NONE);
  }

  /**
   * {@link #mount(LatticeFileSystem, Path, List)} telling {@code observer} of every request the
   * mount answers (see {@link FsObserver}).
   */
  public static FuseMount mount(
      LatticeFileSystem fs, Path mountPoint, List<String> options, FsObserver observer)
      throws IOException {
    if (canMountDirectly()) {
      try {
        return mount(fs, mountPoint, options, observer, Binding.KERNEL);
      } catch (KernelMountOptions.UnsupportedOptionException e) {
        LOG.warn("{}: mounting through libfuse2 instead", e.getMessage());
      }
    }
    return mount(fs, mountPoint, options, observer, Binding.LIBFUSE);
  }

  /**
   * Whether the kernel binding can mount here: {@code mount(2)} needs root (unprivileged users
   * mount through libfuse2's setuid {@code fusermount}) and {@code /dev/fuse}.
   */
  static boolean canMountDirectly() {
    return KernelMount.privileged() && Files.exists(Path.of("/dev/fuse"));
  }

  /**
   * {@link #mount(LatticeFileSystem, Path, List, FsObserver)} on the given binding. On {@link
   * Binding#KERNEL} the options are read by {@code KernelMountOptions} (an option it does not
   * support is refused) and root is needed.
   */
  public static FuseMount mount(
      LatticeFileSystem fs,
      Path mountPoint,
      List<String> options,
      FsObserver observer,
      Binding binding)
      throws IOException {
    if (binding == Binding.KERNEL) {
      return mountKernel(fs, mountPoint, options, observer);
    }
    checkPrerequisites();
    Path mp = mountPoint.toAbsolutePath().normalize();
    cleanStale(mp);
    if (isMounted(mp)) {
      throw new IOException(mp + " is already a mount point; unmount it first");
    }
    LibfuseMount mount =
        LibfuseMount.mount(
            new LibfuseAdapter(fs, observer),
            mp,
            new MountOptions(options, MountOptions.DEFAULT_MAX_WORKERS, false));
    LOG.info("mounted {} at {}", "lattice", mp);
    return new FuseMount(fs, mount, null, null);
  }

  private static FuseMount mountKernel(
      LatticeFileSystem fs, Path mountPoint, List<String> options, FsObserver observer)
      throws IOException {
    if (!Files.exists(Path.of("/dev/fuse"))) {
      throw new IOException(
          "FUSE is not available: missing /dev/fuse (load the fuse kernel module, or pass --device"
              + " /dev/fuse to docker)");
    }
    KernelOptions kernelOptions = KernelMountOptions.parse(options);
    Path mp = mountPoint.toAbsolutePath().normalize();
    cleanStale(mp);
    if (isMounted(mp)) {
      throw new IOException(mp + " is already a mount point; unmount it first");
    }
    Files.createDirectories(mp);
    KernelAdapter adapter = new KernelAdapter(fs, observer);
    KernelMount m = KernelMount.mount(adapter, mp, kernelOptions);
    LOG.info("mounted {} at {} (kernel binding)", "lattice", mp);
    return new FuseMount(fs, null, adapter, m);
  }

  /** Which binding serves this mount. */
  public Binding binding() {
    return kernelMount != null ? Binding.KERNEL : Binding.LIBFUSE;
  }

  /**
   * Tells the kernel that {@code path} (the core's path, e.g. {@code /docs/a.txt}) changed behind
   * its back (a peer's write, create, delete or rename): drops its cached attributes, pages and
   * name, so the next access asks the filesystem. Only the kernel binding can; on libfuse2 it does
   * nothing and returns false. Call it from outside a FUSE request (the mesh's thread).
   *
   * @return whether the kernel was told (false also when it never looked the path up: nothing is
   *     cached then)
   */
  public boolean invalidate(String path) {
    if (kernelAdapter == null || !kernelMount.isRunning()) {
      return false;
    }
    long parent = 0;
    long node = 1;
    byte[] name = null;
    for (String part : path.split("/")) {
      if (part.isEmpty()) {
        continue;
      }
      name = KeyBytes.encode(part);
      parent = node;
      node = node == 0 ? 0 : kernelAdapter.nodeOf(parent, name);
    }
    boolean told = false;
    if (node != 0) {
      told |= kernelMount.notifier().invalidateInode(node, 0, 0) == 0;
    }
    if (parent != 0 && name != null) {
      told |= kernelMount.notifier().invalidateEntry(parent, name) == 0;
    }
    return told;
  }

  public Path mountPoint() {
    return kernelMount != null ? kernelMount.mountPoint() : libfuseMount.mountPoint();
  }

  private boolean isRunning() {
    return kernelMount != null ? kernelMount.isRunning() : libfuseMount.isRunning();
  }

  public LatticeFileSystem fileSystem() {
    return fs;
  }

  /**
   * Commits open files, runs {@code fusermount -u} and waits until the mount is gone and the last
   * request has been answered. Retries for a few seconds while the mount is busy.
   *
   * @throws IOException if the mount is still busy (the caller may retry, or use a lazy unmount)
   */
  public synchronized void unmount() throws IOException {
    if (!isRunning()) {
      return;
    }
    fs.flushAll();
    long deadline = System.nanoTime() + BUSY_RETRY.toNanos();
    while (true) {
      try {
        if (kernelMount != null) {
          kernelMount.unmount();
        } else {
          libfuseMount.unmount();
        }
        LOG.info("unmounted {}", mountPoint());
        return;
      } catch (IOException busy) {
        if (System.nanoTime() > deadline) {
          throw new IOException("could not unmount " + mountPoint(), busy);
        }
        sleep(250);
      }
    }
  }

  @Override
  public void close() throws IOException {
    unmount();
  }

  /** Whether {@code /proc/self/mountinfo} lists {@code path} as a mount point. */
  public static boolean isMounted(Path path) throws IOException {
    return Mounts.at(path).isPresent();
  }

  /**
   * If {@code path} is a dead FUSE mount ("Transport endpoint is not connected", left by a killed
   * process), unmounts it. Returns whether it did.
   *
   * @throws IOException if the dead mount could not be taken down
   */
  public static boolean cleanStale(Path path) throws IOException {
    Path mp = path.toAbsolutePath().normalize();
    if (!Mounts.isDeadFuseMount(mp)) {
      return false;
    }
    LOG.warn("cleaning the stale mount at {} left by a crashed daemon", mp);
    if (!Mounts.fusermountUnmount(mp, true)) {
      throw new IOException(
          "could not clean the stale mount at " + mp + "; try: fusermount -uz " + mp);
    }
    return true;
  }

  /**
   * Checks that FUSE can work here: {@code /dev/fuse}, {@code fusermount} and libfuse2.
   *
   * @throws IOException naming what is missing and how to install it
   */
  public static void checkPrerequisites() throws IOException {
    List<String> missing = new ArrayList<>();
    if (!Files.exists(Path.of("/dev/fuse"))) {
      missing.add("/dev/fuse (load the fuse kernel module, or pass --device /dev/fuse to docker)");
    }
    if (fusermountBinary() == null) {
      missing.add("fusermount (apt-get install -y fuse3)");
    }
    if (!libfuse2Present()) {
      missing.add("libfuse.so.2 (apt-get install -y libfuse2)");
    }
    if (!missing.isEmpty()) {
      throw new IOException(
          "FUSE is not available: missing "
              + String.join(", ", missing)
              + ". On Debian/Ubuntu: apt-get install -y libfuse2 fuse3");
    }
  }

  private static boolean libfuse2Present() {
    for (String dir :
        List.of(
            "/lib/x86_64-linux-gnu",
            "/usr/lib/x86_64-linux-gnu",
            "/lib/aarch64-linux-gnu",
            "/usr/lib/aarch64-linux-gnu",
            "/lib64",
            "/usr/lib64",
            "/lib",
            "/usr/lib",
            "/usr/local/lib")) {
      if (Files.exists(Path.of(dir, "libfuse.so.2"))) {
        return true;
      }
    }
    return false;
  }

  private static String fusermountBinary() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin", "/usr/sbin", "/sbin")) {
      for (String name : List.of("fusermount", "fusermount3")) {
        if (Files.isExecutable(Path.of(dir, name))) {
          return Path.of(dir, name).toString();
        }
      }
    }
    return null;
  }

  /** Runs {@code fusermount -u [-z] path} and waits for it. */
  static void fusermount(Path path, boolean lazy) throws IOException {
    String bin = fusermountBinary();
    if (bin == null) {
      throw new IOException("fusermount not found: apt-get install -y fuse3");
    }
    List<String> cmd = new ArrayList<>(List.of(bin, lazy ? "-uz" : "-u", path.toString()));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + " timed out");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted waiting for fusermount", e);
    }
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed: " + out);
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
