package org.latticefs.fs.fuse;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.latticefs.fs.core.LatticeFileSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A mounted {@link LatticeFileSystem}: mounting that reports failure, unmounting that waits, for
 * any {@link FuseBinding} (the jnr-fuse one, {@link LatticeFuse}, by default).
 *
 * <p>jnr-fuse's own {@code mount} reports success after a fixed wait even when the mount failed,
 * and its {@code umount} is lazy and not waited for. This class runs the binding's loop on its own
 * thread, polls {@code /proc/self/mountinfo} until the mount point appears (or the loop dies), and
 * unmounts with {@code fusermount -u}, waiting for it and for the loop to end.
 *
 * <h2>Options</h2>
 *
 * {@link #DEFAULT_OPTIONS}: {@code big_writes} (128 KiB writes instead of 4 KiB), {@code
 * max_read=131072}, {@code auto_cache} (file versions are immutable, so the kernel keeps cached
 * pages across opens and drops them only when the size or mtime changed — also after a change made
 * on another node, which {@code kernel_cache} would miss), {@code use_ino} (stable inode numbers,
 * so hard links show as such), {@code default_permissions} (the kernel checks modes).
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
          "big_writes,max_read=131072,max_write=131072,auto_cache,use_ino,default_permissions,"
              + "fsname=lattice,subtype=lattice");

  private final FuseBinding fuse;
  private final Path mountPoint;
  private final Thread loop;
  private final AtomicReference<Throwable> loopFailure;
  private volatile boolean unmounted;

  private FuseMount(
      FuseBinding fuse, Path mountPoint, Thread loop, AtomicReference<Throwable> failure) {
    this.fuse = fuse;
    this.mountPoint = mountPoint;
    this.loop = loop;
    this.loopFailure = failure;
  }

  /** Mounts with {@link #DEFAULT_OPTIONS}, waiting up to 20 s for the mount to appear. */
  public static FuseMount mount(LatticeFileSystem fs, Path mountPoint) throws IOException {
    return mount(fs, mountPoint, DEFAULT_OPTIONS, Duration.ofSeconds(20));
  }

  /**
   * Mounts {@code fs} through jnr-fuse ({@link LatticeFuse}) at {@code mountPoint} (created if
   * missing) and returns once the kernel shows the mount. A stale mount left by a crashed process
   * is cleaned first.
   *
   * @param options libfuse arguments, e.g. {@code ["-o", "big_writes,auto_cache"]}
   * @throws IOException if FUSE is unavailable (with the packages to install), the mount point is
   *     busy with a live mount, or the mount did not appear in time
   */
  public static FuseMount mount(
      LatticeFileSystem fs, Path mountPoint, List<String> options, Duration timeout)
      throws IOException {
    checkPrerequisites();
    LatticeFuse fuse;
    try {
      fuse = new LatticeFuse(fs);
    } catch (LinkageError e) {
      throw new IOException(
          "libfuse2 could not be loaded (" + e + "); install it: apt-get install -y libfuse2 fuse3",
          e);
    }
    return mount(fuse, mountPoint, options, timeout);
  }

  /**
   * Mounts {@code binding} at {@code mountPoint} (created if missing) and returns once the kernel
   * shows the mount, as {@link #mount(LatticeFileSystem, Path, List, Duration)} does.
   */
  public static FuseMount mount(
      FuseBinding binding, Path mountPoint, List<String> options, Duration timeout)
      throws IOException {
    checkPrerequisites();
    Path mp = mountPoint.toAbsolutePath().normalize();
    cleanStale(mp);
    if (isMounted(mp)) {
      throw new IOException(mp + " is already a mount point; unmount it first");
    }
    Files.createDirectories(mp);
    AtomicReference<Throwable> failure = new AtomicReference<>();
    String[] args = options.toArray(String[]::new);
    Thread loop =
        new Thread(
            () -> {
              try {
                binding.serve(mp, args);
              } catch (Throwable e) {
                failure.set(e);
              }
            },
            "lattice-fuse-" + mp.getFileName());
    loop.setDaemon(true);
    loop.start();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!isMounted(mp)) {
      if (!loop.isAlive()) {
        Throwable e = failure.get();
        throw new IOException(
            "mounting " + mp + " failed" + (e == null ? " (see libfuse's message above)" : ""), e);
      }
      if (System.nanoTime() > deadline) {
        fusermount(mp, true);
        throw new IOException("mount of " + mp + " did not appear within " + timeout);
      }
      sleep(10);
    }
    LOG.info("mounted {} at {}", "lattice", mp);
    return new FuseMount(binding, mp, loop, failure);
  }

  public Path mountPoint() {
    return mountPoint;
  }

  public LatticeFileSystem fileSystem() {
    return fuse.fileSystem();
  }

  /**
   * Commits open files, runs {@code fusermount -u} and waits until the mount is gone and libfuse's
   * loop has ended. Retries for a few seconds while the mount is busy.
   *
   * @throws IOException if the mount is still busy (the caller may retry, or use a lazy unmount)
   */
  public synchronized void unmount() throws IOException {
    if (unmounted) {
      return;
    }
    fuse.fileSystem().flushAll();
    IOException last = null;
    for (int attempt = 0; attempt < 20 && isMounted(mountPoint); attempt++) {
      try {
        fusermount(mountPoint, false);
      } catch (IOException e) {
        last = e;
        sleep(250);
      }
    }
    if (isMounted(mountPoint)) {
      throw new IOException("could not unmount " + mountPoint, last);
    }
    try {
      loop.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    unmounted = true;
    LOG.info("unmounted {}", mountPoint);
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
