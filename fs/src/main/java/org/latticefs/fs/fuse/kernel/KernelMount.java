package org.latticefs.fs.fuse.kernel;

import com.kenai.jffi.MemoryIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A filesystem mounted through the kernel's FUSE protocol, with no libfuse: opens {@code
 * /dev/fuse}, mounts it with {@code mount(2)} (root only), serves requests on its own worker
 * threads that read the device concurrently, and unmounts with {@code umount2(2)}.
 *
 * <h2>Workers</h2>
 *
 * Each worker owns a receive buffer and a reply buffer in native memory ({@link
 * KernelOptions#receiveBufferSize()} each, freed when it exits), blocks in {@code read(2)} on the
 * device, serves what it read ({@link Dispatcher}) and writes the reply with one {@code write(2)}.
 * One worker starts at mount; another starts whenever no worker is left waiting on the device, up
 * to {@link KernelOptions#maxWorkers()}.
 *
 * <h2>Ending</h2>
 *
 * {@link #unmount()} detaches the mount; the kernel then ends the connection, every read fails with
 * ENODEV and the workers exit; {@code destroy} is called once they have. An unmount from outside
 * ({@code umount}, {@code fusermount -u}) ends the session the same way. A process killed with
 * SIGKILL leaves a dead mount ("Transport endpoint is not connected"; the kernel closes the
 * device), which {@code org.latticefs.fs.fuse.Mounts} and {@code FuseMount.cleanStale} take down.
 */
public final class KernelMount implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(KernelMount.class);
  private static final MemoryIO IO = MemoryIO.getInstance();
  private static final long INIT_TIMEOUT_SECONDS = 30;

  private final InodeFileSystem fs;
  private final KernelOptions options;
  private final Path mountPoint;
  private final int fd;
  private final Dispatcher dispatcher;
  private final Notifier notifier;
  private final AtomicInteger idle = new AtomicInteger();
  private final AtomicInteger workers = new AtomicInteger();
  private final List<Thread> threads = new ArrayList<>();
  private final CountDownLatch initialized = new CountDownLatch(1);
  private final CountDownLatch ended = new CountDownLatch(1);
  private volatile boolean unmounted;

  /** Guards the descriptor against a notification written after it was closed (and reused). */
  private final Object fdLock = new Object();

  private boolean fdClosed;

  private KernelMount(InodeFileSystem fs, KernelOptions options, Path mountPoint, int fd) {
    this.fs = fs;
    this.options = options;
    this.mountPoint = mountPoint;
    this.fd = fd;
    this.dispatcher = new Dispatcher(fs, options);
    this.notifier = new Notifier(this::writeDevice);
  }

  /**
   * Mounts {@code fs} at {@code mountPoint} (an existing directory) and returns once the kernel and
   * the binding have agreed at INIT.
   *
   * @throws IOException if {@code /dev/fuse} cannot be opened, {@code mount(2)} refuses (with its
   *     errno; EPERM when not root), or INIT does not complete within 30 s (then nothing stays
   *     mounted)
   */
  public static KernelMount mount(InodeFileSystem fs, Path mountPoint, KernelOptions options)
      throws IOException {
    Path mp = mountPoint.toAbsolutePath().normalize();
    if (!Files.isDirectory(mp)) {
      throw new IOException(mp + " is not a directory");
    }
    int fd = Libc.open("/dev/fuse", Libc.O_RDWR | Libc.O_CLOEXEC);
    if (fd < 0) {
      throw new IOException("cannot open /dev/fuse: errno " + Libc.errno());
    }
    String data =
        "fd="
            + fd
            + ",rootmode=40000,user_id="
            + Integer.toUnsignedString(Libc.getuid())
            + ",group_id="
            + Integer.toUnsignedString(Libc.getgid())
            + ",max_read="
            + options.maxWrite()
            + (options.defaultPermissions() ? ",default_permissions" : "")
            + (options.allowOther() ? ",allow_other" : "");
    if (Libc.mount(
            options.fsName(),
            mp.toString(),
            "fuse." + options.subtype(),
            Libc.MS_NOSUID | Libc.MS_NODEV,
            data)
        != 0) {
      int errno = Libc.errno();
      Libc.close(fd);
      throw new IOException(
          "mount(2) of " + mp + " failed: errno " + errno + (errno == 1 ? " (not root)" : ""));
    }
    KernelMount m = new KernelMount(fs, options, mp, fd);
    m.startWorker();
    try {
      if (!m.initialized.await(INIT_TIMEOUT_SECONDS, TimeUnit.SECONDS)
          || m.dispatcher.connection() == null) {
        m.abortMount();
        throw new IOException("the kernel did not complete FUSE INIT at " + mp);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      m.abortMount();
      throw new IOException("interrupted while mounting " + mp, e);
    }
    LOG.info(
        "mounted {} at {} (FUSE 7.{}, max_write {})",
        options.fsName(),
        mp,
        m.dispatcher.connection().kernelMinor(),
        m.dispatcher.connection().maxWrite());
    return m;
  }

  /** Whether this process may mount ({@code mount(2)} needs root). */
  public static boolean privileged() {
    return Libc.getuid() == 0;
  }

  public Path mountPoint() {
    return mountPoint;
  }

  /** What INIT agreed. */
  public KernelConnection connection() {
    return dispatcher.connection();
  }

  /** Whether the session still runs (not unmounted from here or from outside). */
  public boolean isRunning() {
    return ended.getCount() > 0;
  }

  /** Tells the kernel about changes made behind its back (see {@link Notifier}). */
  public Notifier notifier() {
    return notifier;
  }

  /**
   * Unmounts and waits until every worker has exited and {@code destroy} has run.
   *
   * @throws IOException if the mount is busy (EBUSY: open files or a working directory in it); the
   *     mount then stays as it was
   */
  public synchronized void unmount() throws IOException {
    if (!unmounted && isRunning()) {
      if (Libc.umount2(mountPoint.toString(), 0) != 0) {
        int errno = Libc.errno();
        if (errno != 22 /* EINVAL: not mounted any more */) {
          throw new IOException("umount2 of " + mountPoint + " failed: errno " + errno);
        }
      }
    }
    unmounted = true;
    awaitEnd();
  }

  @Override
  public void close() throws IOException {
    unmount();
  }

  private void abortMount() {
    Libc.umount2(mountPoint.toString(), Libc.MNT_DETACH);
    unmounted = true;
    awaitEnd();
  }

  private void awaitEnd() {
    try {
      ended.await();
      List<Thread> all;
      synchronized (threads) {
        all = new ArrayList<>(threads);
      }
      for (Thread t : all) {
        t.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void startWorker() {
    int n = workers.incrementAndGet();
    if (n > options.maxWorkers()) {
      workers.decrementAndGet();
      return;
    }
    Thread t = new Thread(this::work, "fuse-kernel-" + n);
    t.setDaemon(true);
    synchronized (threads) {
      threads.add(t);
    }
    t.start();
  }

  private void work() {
    int size = options.receiveBufferSize();
    long req = IO.allocateMemory(size, false);
    long rep = IO.allocateMemory(size, false);
    try {
      if (req == 0 || rep == 0) {
        throw new OutOfMemoryError("FUSE worker buffers");
      }
      ByteBuffer reqBuf = IO.newDirectByteBuffer(req, size).order(ByteOrder.LITTLE_ENDIAN);
      ByteBuffer repBuf = IO.newDirectByteBuffer(rep, size).order(ByteOrder.LITTLE_ENDIAN);
      Dispatcher.Scratch scratch = new Dispatcher.Scratch(repBuf);
      Dispatcher.ReplySink sink = reply -> writeReply(rep, reply);
      while (true) {
        idle.incrementAndGet();
        long n = Libc.read(fd, req, size);
        int errno = n < 0 ? Libc.errno() : 0;
        if (idle.decrementAndGet() == 0 && n > 0) {
          startWorker();
        }
        if (n > 0) {
          dispatcher.serve(reqBuf, (int) n, scratch, sink);
          if (dispatcher.connection() != null) {
            initialized.countDown();
          }
          if (dispatcher.destroyed()) {
            break;
          }
        } else if (errno == Libc.ENODEV || n == 0) {
          break;
        } else if (errno != Libc.EINTR && errno != Libc.EAGAIN && errno != Libc.ENOENT) {
          LOG.error("reading /dev/fuse failed: errno {}; this worker stops", errno);
          break;
        }
      }
    } catch (Throwable t) {
      LOG.error("FUSE worker failed", t);
    } finally {
      IO.freeMemory(req);
      IO.freeMemory(rep);
      if (workers.decrementAndGet() == 0) {
        finish();
      }
    }
  }

  /** The last worker has exited: the session is over. */
  private void finish() {
    initialized.countDown();
    synchronized (fdLock) {
      fdClosed = true;
      Libc.close(fd);
    }
    if (dispatcher.connection() != null) {
      try {
        fs.destroy();
      } catch (RuntimeException e) {
        LOG.error("destroy failed", e);
      }
    }
    ended.countDown();
  }

  /** Writes a reply that sits in the worker's reply buffer at {@code address}. */
  private int writeReply(long address, ByteBuffer reply) {
    return write(address + reply.position(), reply.remaining());
  }

  private int writeDevice(ByteBuffer message) {
    if (!message.isDirect()) {
      throw new IllegalArgumentException("device writes need a direct buffer");
    }
    synchronized (fdLock) {
      if (fdClosed) {
        return -Libc.ENODEV;
      }
      return write(IO.getDirectBufferAddress(message) + message.position(), message.remaining());
    }
  }

  private int write(long address, int length) {
    while (true) {
      long n = Libc.write(fd, address, length);
      if (n == length) {
        return 0;
      }
      int errno = n < 0 ? Libc.errno() : 5;
      if (errno == Libc.EINTR) {
        continue;
      }
      if (errno != Libc.ENOENT) {
        LOG.debug("writing a FUSE reply failed: errno {}", errno);
      }
      return -errno;
    }
  }
}
