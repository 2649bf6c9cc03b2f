package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one libfuse session on Java threads: each worker receives a request from {@code /dev/fuse}
 * ({@code fuse_session_receive_buf}) and runs it ({@code fuse_session_process_buf}), which calls
 * back into the filesystem on that same thread.
 *
 * <h2>Why not libfuse's own loop</h2>
 *
 * {@code fuse_loop_mt} starts a native thread whenever no worker is idle and ends it when more than
 * ten are idle; each new native thread that calls into Java is attached to the JVM as a new {@code
 * Thread} (thousands per minute under load, see FIELD-NOTES). Here the workers are Java threads
 * from the start: they are created on demand the same way (one more whenever all are busy, except
 * for {@code FORGET} requests, as libfuse does) up to a limit, and then stay until the session
 * ends. The loop is libfuse 2.9's {@code fuse_do_work} otherwise: a receive that is interrupted is
 * retried, and one that returns 0 (the mount is gone: the kernel answers {@code ENODEV}, which
 * libfuse turns into 0) ends the worker.
 *
 * <h2>End</h2>
 *
 * When the kernel ends the connection (unmount, or an abort through {@code
 * /sys/fs/fuse/connections}), every worker's read returns and the workers exit; the last one out
 * runs the {@code onEnd} action (libfuse's unmount and destroy) and then releases {@link #awaitEnd}
 * waiters. A receive error other than an interruption ends only the worker that met it (logged);
 * the session ends when no worker is left.
 *
 * <h2>Memory</h2>
 *
 * Each worker owns a receive buffer of the channel's size (128 KiB and a page, with {@code
 * max_write=131072}), a {@code struct fuse_buf} and a channel slot, allocated when it starts and
 * freed when it exits.
 */
final class SessionLoop {
  private static final Logger LOG = LoggerFactory.getLogger(SessionLoop.class);
  private static final MemoryIO IO = MemoryIO.getInstance();

  /** {@code struct fuse_buf}: {@code size_t size; enum flags; void *mem; int fd; off_t pos}. */
  static final int BUF_SIZE = 0;

  static final int BUF_FLAGS = 8;
  static final int BUF_MEM = 16;
  static final int BUF_SIZEOF = 40;
  static final int FUSE_BUF_IS_FD = 1 << 1;

  /** {@code struct fuse_in_header}: {@code uint32_t len; uint32_t opcode; …}. */
  private static final int OPCODE = 4;

  private static final int FUSE_FORGET = 2;
  private static final int FUSE_BATCH_FORGET = 42;

  private final Libfuse lib;
  private final long session;
  private final long chan;
  private final long bufsize;
  private final int maxWorkers;
  private final String name;
  private final Runnable onEnd;
  private final AtomicInteger idle = new AtomicInteger();
  private final CountDownLatch ended = new CountDownLatch(1);
  private int live;
  private int started;

  /**
   * @param onEnd run once, by the last worker to exit; must not throw
   */
  SessionLoop(
      Libfuse lib,
      long session,
      long chan,
      long bufsize,
      int maxWorkers,
      String name,
      Runnable onEnd) {
    this.lib = lib;
    this.session = session;
    this.chan = chan;
    this.bufsize = bufsize;
    this.maxWorkers = maxWorkers;
    this.name = name;
    this.onEnd = onEnd;
  }

  /** Starts the first worker. */
  void start() {
    synchronized (this) {
      if (started > 0) {
        throw new IllegalStateException("already started");
      }
      spawn();
    }
  }

  /** Whether a worker is still serving (false once the session ended and onEnd ran). */
  boolean isRunning() {
    return ended.getCount() > 0;
  }

  /** Waits until the session ended and onEnd ran; false on timeout. */
  boolean awaitEnd(long timeout, TimeUnit unit) throws InterruptedException {
    return ended.await(timeout, unit);
  }

  /** How many workers were started in all (they never retire before the end). */
  synchronized int workersStarted() {
    return started;
  }

  /** Starts one more worker unless the limit is reached; the caller holds the monitor. */
  private void spawn() {
    if (live >= maxWorkers) {
      return;
    }
    live++;
    started++;
    idle.incrementAndGet();
    Thread t = new Worker(this::serve, name + "-" + started);
    t.setDaemon(true);
    t.start();
  }

  /**
   * A thread serving requests: the only kind on which {@link RequestContext#current()} is valid.
   */
  static final class Worker extends Thread {
    Worker(Runnable serve, String name) {
      super(serve, name);
    }
  }

  private void serve() {
    long buf = IO.allocateMemory(bufsize, false);
    long fbuf = IO.allocateMemory(BUF_SIZEOF, true);
    long chanSlot = IO.allocateMemory(8, true);
    try {
      if (buf == 0 || fbuf == 0 || chanSlot == 0) {
        LOG.error("{}: no memory for a worker's {}-byte buffer", name, bufsize);
        return;
      }
      while (true) {
        IO.setMemory(fbuf, BUF_SIZEOF, (byte) 0);
        IO.putLong(fbuf + BUF_SIZE, bufsize);
        IO.putAddress(fbuf + BUF_MEM, buf);
        IO.putAddress(chanSlot, chan);
        int res = lib.receiveBuf(session, fbuf, chanSlot);
        if (res == -Errnos.EINTR) {
          continue;
        }
        if (res <= 0) {
          if (res < 0) {
            LOG.error("{}: reading /dev/fuse failed with errno {}; this worker stops", name, -res);
          }
          return;
        }
        boolean forget = isForget(fbuf, buf);
        if (!forget && idle.decrementAndGet() == 0) {
          synchronized (this) {
            spawn();
          }
        }
        try {
          lib.processBuf(session, fbuf, chan);
        } catch (Throwable e) {
          // The dispatcher catches what a filesystem throws; this is the native glue failing.
          LOG.error("{}: a request failed outside the filesystem's callback", name, e);
        } finally {
          if (!forget) {
            idle.incrementAndGet();
          }
        }
      }
    } finally {
      free(buf);
      free(fbuf);
      free(chanSlot);
      exited();
    }
  }

  private static boolean isForget(long fbuf, long buf) {
    if ((IO.getInt(fbuf + BUF_FLAGS) & FUSE_BUF_IS_FD) != 0) {
      return false;
    }
    int opcode = IO.getInt(buf + OPCODE);
    return opcode == FUSE_FORGET || opcode == FUSE_BATCH_FORGET;
  }

  private void exited() {
    boolean last;
    synchronized (this) {
      live--;
      idle.decrementAndGet();
      last = live == 0;
    }
    if (last) {
      try {
        onEnd.run();
      } catch (Throwable e) {
        LOG.error("{}: ending the session failed", name, e);
      } finally {
        ended.countDown();
      }
    }
  }

  private static void free(long address) {
    if (address != 0) {
      IO.freeMemory(address);
    }
  }
}
