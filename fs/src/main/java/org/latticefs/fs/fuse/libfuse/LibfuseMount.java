package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.lang.ref.Reference;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import jnr.ffi.Struct;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RawFileSystem} mounted through libfuse2: mounting that reports failure at once,
 * unmounting that waits for the last callback, and nothing done behind the owner's back.
 *
 * <h2>Mounting</h2>
 *
 * {@link #mount} runs what {@code fuse_main} would, minus its daemonizing, signal handlers and
 * loop: {@code fuse_mount} (the kernel mount exists when it returns, so a failure, such as a busy
 * or dead mount point or a bad option, is an {@link IOException} right away, with libfuse's reason
 * on the process's stderr), then {@code fuse_new} with the operations the filesystem implements and
 * the flags {@code flag_nullpath_ok} and {@code flag_utime_omit_ok}, then a {@link SessionLoop}
 * serving requests on Java threads. Requests that arrive before the first worker is ready wait in
 * the kernel.
 *
 * <h2>Unmounting</h2>
 *
 * {@link #unmount()} runs {@code fusermount -u} and waits until every worker has returned and
 * libfuse's {@code fuse_destroy} (which calls {@link RawFileSystem#destroy()}) is done. A mount
 * taken down from outside ({@code fusermount -u}, {@code umount}) ends the same way by itself.
 *
 * <h2>No shutdown hook</h2>
 *
 * Nothing is registered with the JVM. A process that exits or is killed while mounted leaves a dead
 * mount ("Transport endpoint is not connected"), which {@code fusermount -u} removes: an orderly
 * shutdown (commit open files, then unmount) is the owner's, and a hook racing it would unmount
 * under files still being written. The workers are daemon threads, so a mount never keeps the JVM
 * alive.
 *
 * <h2>Native memory</h2>
 *
 * The mount point's C string lives until libfuse's unmount; the argument vector and the operations
 * table only until {@code fuse_new} has copied them; the callbacks (held by the {@link Dispatcher})
 * until {@code fuse_destroy} has returned, kept reachable by the loop's threads even if this object
 * is dropped.
 */
public final class LibfuseMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(LibfuseMount.class);
  private static final MemoryIO IO = MemoryIO.getInstance();

  /** {@code struct fuse_args}: {@code int argc; char **argv; int allocated}. */
  static final int ARGS_ARGC = 0;

  static final int ARGS_ARGV = 8;
  static final int ARGS_SIZEOF = 24;

  private final Path mountPoint;
  private final SessionLoop loop;

  private LibfuseMount(Path mountPoint, SessionLoop loop) {
    this.mountPoint = mountPoint;
    this.loop = loop;
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} (created if missing) and returns once the kernel mount
   * exists and the first worker is started.
   *
   * @throws IOException if libfuse2 cannot be loaded (with the package to install) or refused the
   *     mount or the options (its reason is on stderr)
   */
  public static LibfuseMount mount(RawFileSystem fs, Path mountPoint, MountOptions options)
      throws IOException {
    Libfuse lib;
    try {
      lib = Libfuse.get();
    } catch (UnsatisfiedLinkError | ExceptionInInitializerError | NoClassDefFoundError e) {
      throw new IOException("libfuse2 is not usable here: " + e.getMessage(), e);
    }
    Path mp = mountPoint.toAbsolutePath().normalize();
    Files.createDirectories(mp);
    Dispatcher dispatcher = new Dispatcher(fs);
    FuseOperations ops = dispatcher.operations(options.nopath());
    long mpString = CStrings.allocate(mp.toString().getBytes(fileNameCharset()));
    List<Long> owned = new ArrayList<>();
    long chan = 0;
    long fuse;
    try {
      long args = arguments(options.args(), owned);
      chan = lib.fuseMount(mpString, args);
      if (chan == 0) {
        lib.optFreeArgs(args);
        throw new IOException(
            "libfuse could not mount "
                + mp
                + " (its reason is on stderr: a busy or dead mount point, or a bad option?)");
      }
      fuse = lib.fuseNew(chan, args, Struct.getMemory(ops).address(), Struct.size(ops));
      lib.optFreeArgs(args);
      if (fuse == 0) {
        throw new IOException(
            "libfuse refused the options " + options.args() + " (its reason is on stderr)");
      }
    } catch (IOException | RuntimeException | Error e) {
      if (chan != 0) {
        lib.fuseUnmount(mpString, chan);
      }
      IO.freeMemory(mpString);
      throw e;
    } finally {
      owned.forEach(IO::freeMemory);
      Reference.reachabilityFence(ops);
    }
    long session = lib.getSession(fuse);
    long bufsize = lib.chanBufsize(chan);
    long chanForEnd = chan;
    Runnable end =
        () -> {
          lib.fuseUnmount(mpString, chanForEnd);
          lib.fuseDestroy(fuse);
          IO.freeMemory(mpString);
          Reference.reachabilityFence(dispatcher);
          LOG.info("unmounted {}", mp);
        };
    SessionLoop loop =
        new SessionLoop(
            lib, session, chan, bufsize, options.maxWorkers(), "libfuse-" + mp.getFileName(), end);
    loop.start();
    LOG.info(
        "mounted {} ({} operations, up to {} workers)",
        mp,
        dispatcher.registered(),
        options.maxWorkers());
    return new LibfuseMount(mp, loop);
  }

  /**
   * A native {@code struct fuse_args} of {@code lattice} followed by {@code args}; every block it
   * uses is added to {@code owned} for the caller to free after {@code fuse_new}.
   */
  private static long arguments(List<String> args, List<Long> owned) {
    int argc = args.size() + 1;
    long argv = IO.allocateMemory(8L * (argc + 1), true);
    owned.add(argv);
    long program = CStrings.allocate("lattice");
    owned.add(program);
    IO.putAddress(argv, program);
    for (int i = 0; i < args.size(); i++) {
      long a = CStrings.allocate(args.get(i).getBytes(StandardCharsets.UTF_8));
      owned.add(a);
      IO.putAddress(argv + 8L * (i + 1), a);
    }
    long fuseArgs = IO.allocateMemory(ARGS_SIZEOF, true);
    owned.add(fuseArgs);
    IO.putInt(fuseArgs + ARGS_ARGC, argc);
    IO.putAddress(fuseArgs + ARGS_ARGV, argv);
    return fuseArgs;
  }

  /** The charset the JVM encodes file names with ({@code sun.jnu.encoding}), as for a Path. */
  private static Charset fileNameCharset() {
    String jnu = System.getProperty("sun.jnu.encoding");
    try {
      return jnu == null ? StandardCharsets.UTF_8 : Charset.forName(jnu);
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** Whether the mount is still being served. */
  public boolean isRunning() {
    return loop.isRunning();
  }

  /** How many worker threads have been started (workers stay until the session ends). */
  public int workersStarted() {
    return loop.workersStarted();
  }

  /**
   * Unmounts with {@code fusermount -u} and waits until the last callback and {@link
   * RawFileSystem#destroy()} have returned. Does nothing if the mount has already ended.
   *
   * @throws IOException if the mount is busy (it stays mounted and served; retry later), or if it
   *     did not end within a minute of being unmounted
   */
  public void unmount() throws IOException {
    if (!loop.isRunning()) {
      return;
    }
    try {
      Fusermount.unmount(mountPoint);
    } catch (IOException e) {
      if (awaitTermination(Duration.ZERO)) {
        return; // taken down from outside meanwhile
      }
      throw e;
    }
    if (!awaitTermination(Duration.ofMinutes(1))) {
      throw new IOException(
          mountPoint + " is unmounted, but a callback has not returned within a minute");
    }
  }

  /** Waits until the mount has ended (unmounted and destroyed); false on timeout. */
  public boolean awaitTermination(Duration timeout) {
    try {
      return loop.awaitEnd(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return !loop.isRunning();
    }
  }

  /** {@link #unmount()}. */
  @Override
  public void close() throws IOException {
    unmount();
  }
}
