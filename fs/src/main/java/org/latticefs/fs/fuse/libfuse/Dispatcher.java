package org.latticefs.fs.fuse.libfuse;

import static org.latticefs.fs.fuse.libfuse.CStrings.MAX_NAME;
import static org.latticefs.fs.fuse.libfuse.CStrings.MAX_PATH;

import com.kenai.jffi.MemoryIO;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.Runtime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns libfuse's native callbacks into calls of a {@link RawFileSystem}: reads paths and names as
 * bytes, wraps the native structures, checks results, and stops every exception at the boundary.
 *
 * <p>{@link #operations(boolean)} builds the {@code fuse_operations} table with only the methods
 * the filesystem overrides. The dispatcher holds the callback objects: it must stay reachable until
 * libfuse's {@code fuse_destroy} has returned (jnr-ffi frees a callback's native trampoline once
 * the Java object is collected), which {@link LibfuseMount} ensures.
 *
 * <h2>Errors</h2>
 *
 * A path, name or target longer than its limit ({@link CStrings}) is answered {@code -ENAMETOOLONG}
 * without calling the filesystem. An exception from the filesystem is logged (with the operation)
 * and answered {@code -EIO}; so is a result outside the operation's range (a positive status, a
 * byte count larger than the buffer, a value below {@code -4095}).
 *
 * <h2>Slow requests</h2>
 *
 * A request that takes the filesystem longer than 5 s to answer is logged as a warning ("slow FUSE
 * request: OP took N ms"): no request should (the caller waits in the kernel, unkillable), so the
 * line names a hang in the making. Conformance and fuzz runs look for it in the daemon's log.
 *
 * <p>Per call it allocates the path's {@code byte[]}, one small wrapper per native structure and
 * the callback's lambda (and jnr-ffi one {@code Pointer} per pointer argument); nothing else.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final MemoryIO IO = MemoryIO.getInstance();

  /** A request answered after this long is logged as slow ({@value} ns: 5 s). */
  static final long SLOW_NANOS = 5_000_000_000L;

  private final RawFileSystem fs;
  private final List<Object> callbacks = new ArrayList<>();

  Dispatcher(RawFileSystem fs) {
    this.fs = fs;
  }

  /**
   * A zeroed, native {@code fuse_operations} with this filesystem's callbacks and the flags {@code
   * flag_nullpath_ok} and {@code flag_utime_omit_ok} (and {@code flag_nopath} if asked); its memory
   * is jnr-ffi's, freed when the returned structure is collected (libfuse copies it in {@code
   * fuse_new}).
   */
  FuseOperations operations(boolean nopath) {
    Runtime runtime = Runtime.getSystemRuntime();
    FuseOperations ops = new FuseOperations(runtime);
    ops.useMemory(Memory.allocateDirect(runtime, jnr.ffi.Struct.size(ops), true));
    Class<?> c = fs.getClass();
    if (overrides(c, "init", ConnectionInfo.class)) {
      ops.init.set(keep((Callbacks.Init) this::init));
    }
    if (overrides(c, "destroy")) {
      ops.destroy.set(keep((Callbacks.Destroy) this::destroy));
    }
    if (overrides(c, "getattr", byte[].class, Stat.class)) {
      ops.getattr.set(keep((Callbacks.PathPointer) this::getattr));
    }
    if (overrides(c, "fgetattr", byte[].class, Stat.class, long.class)) {
      ops.fgetattr.set(keep((Callbacks.Fgetattr) this::fgetattr));
    }
    if (overrides(c, "access", byte[].class, int.class)) {
      ops.access.set(keep((Callbacks.PathMode) this::access));
    }
    if (overrides(c, "readlink", byte[].class, ReplyBuffer.class)) {
      ops.readlink.set(keep((Callbacks.PathBuffer) this::readlink));
    }
    if (overrides(c, "mknod", byte[].class, int.class, long.class)) {
      ops.mknod.set(keep((Callbacks.Mknod) this::mknod));
    }
    if (overrides(c, "mkdir", byte[].class, int.class)) {
      ops.mkdir.set(keep((Callbacks.PathMode) this::mkdir));
    }
    if (overrides(c, "unlink", byte[].class)) {
      ops.unlink.set(keep((Callbacks.Path) this::unlink));
    }
    if (overrides(c, "rmdir", byte[].class)) {
      ops.rmdir.set(keep((Callbacks.Path) this::rmdir));
    }
    if (overrides(c, "symlink", byte[].class, byte[].class)) {
      ops.symlink.set(keep((Callbacks.PathPointer) this::symlink));
    }
    if (overrides(c, "rename", byte[].class, byte[].class)) {
      ops.rename.set(keep((Callbacks.PathPointer) this::rename));
    }
    if (overrides(c, "link", byte[].class, byte[].class)) {
      ops.link.set(keep((Callbacks.PathPointer) this::link));
    }
    if (overrides(c, "chmod", byte[].class, int.class)) {
      ops.chmod.set(keep((Callbacks.PathMode) this::chmod));
    }
    if (overrides(c, "chown", byte[].class, int.class, int.class)) {
      ops.chown.set(keep((Callbacks.Chown) this::chown));
    }
    if (overrides(c, "truncate", byte[].class, long.class)) {
      ops.truncate.set(keep((Callbacks.Truncate) this::truncate));
    }
    if (overrides(c, "ftruncate", byte[].class, long.class, long.class)) {
      ops.ftruncate.set(keep((Callbacks.Ftruncate) this::ftruncate));
    }
    if (overrides(c, "utimens", byte[].class, TimeSpec.class, TimeSpec.class)) {
      ops.utimens.set(keep((Callbacks.PathPointer) this::utimens));
    }
    if (overrides(c, "open", byte[].class, FileInfo.class)) {
      ops.open.set(keep((Callbacks.PathInfo) this::open));
    }
    if (overrides(c, "create", byte[].class, int.class, FileInfo.class)) {
      ops.create.set(keep((Callbacks.Create) this::create));
    }
    if (overrides(c, "read", byte[].class, ByteBuffer.class, long.class, long.class)) {
      ops.read.set(keep((Callbacks.ReadWrite) this::read));
    }
    if (overrides(c, "write", byte[].class, ByteBuffer.class, long.class, long.class)) {
      ops.write.set(keep((Callbacks.ReadWrite) this::write));
    }
    if (overrides(c, "statfs", byte[].class, StatVfs.class)) {
      ops.statfs.set(keep((Callbacks.PathPointer) this::statfs));
    }
    if (overrides(c, "flush", byte[].class, FileInfo.class)) {
      ops.flush.set(keep((Callbacks.PathInfo) this::flush));
    }
    if (overrides(c, "release", byte[].class, FileInfo.class)) {
      ops.release.set(keep((Callbacks.PathInfo) this::release));
    }
    if (overrides(c, "fsync", byte[].class, boolean.class, long.class)) {
      ops.fsync.set(keep((Callbacks.Fsync) this::fsync));
    }
    if (overrides(c, "setxattr", byte[].class, byte[].class, ByteBuffer.class, int.class)) {
      ops.setxattr.set(keep((Callbacks.Setxattr) this::setxattr));
    }
    if (overrides(c, "getxattr", byte[].class, byte[].class, ReplyBuffer.class)) {
      ops.getxattr.set(keep((Callbacks.Getxattr) this::getxattr));
    }
    if (overrides(c, "listxattr", byte[].class, ReplyBuffer.class)) {
      ops.listxattr.set(keep((Callbacks.PathBuffer) this::listxattr));
    }
    if (overrides(c, "removexattr", byte[].class, byte[].class)) {
      ops.removexattr.set(keep((Callbacks.PathPointer) this::removexattr));
    }
    if (overrides(c, "opendir", byte[].class, FileInfo.class)) {
      ops.opendir.set(keep((Callbacks.PathInfo) this::opendir));
    }
    if (overrides(c, "readdir", byte[].class, DirFiller.class, long.class, long.class)) {
      ops.readdir.set(keep((Callbacks.Readdir) this::readdir));
    }
    if (overrides(c, "releasedir", byte[].class, FileInfo.class)) {
      ops.releasedir.set(keep((Callbacks.PathInfo) this::releasedir));
    }
    if (overrides(c, "fsyncdir", byte[].class, boolean.class, long.class)) {
      ops.fsyncdir.set(keep((Callbacks.Fsync) this::fsyncdir));
    }
    if (overrides(c, "fallocate", byte[].class, int.class, long.class, long.class, long.class)) {
      ops.fallocate.set(keep((Callbacks.Fallocate) this::fallocate));
    }
    ops.flags.set(
        FuseOperations.FLAG_NULLPATH_OK
            | FuseOperations.FLAG_UTIME_OMIT_OK
            | (nopath ? FuseOperations.FLAG_NOPATH : 0));
    return ops;
  }

  /** How many operations {@link #operations} registered (for the mount's log line). */
  int registered() {
    return callbacks.size();
  }

  private <T> T keep(T callback) {
    callbacks.add(callback);
    return callback;
  }

  /** Whether {@code c} (or a superclass) overrides the interface's default method. */
  static boolean overrides(Class<?> c, String name, Class<?>... params) {
    try {
      return c.getMethod(name, params).getDeclaringClass() != RawFileSystem.class;
    } catch (NoSuchMethodException e) {
      throw new AssertionError("RawFileSystem has no method " + name, e);
    }
  }

  // ---- the callbacks, in fuse_operations order ----

  private int getattr(Pointer path, Pointer stat) {
    return call(
        "getattr", () -> status("getattr", fs.getattr(path(path), new Stat(stat.address()))));
  }

  private int readlink(Pointer path, Pointer buf, long size) {
    return call(
        "readlink",
        () -> status("readlink", fs.readlink(path(path), new ReplyBuffer(buf.address(), size))));
  }

  private int mknod(Pointer path, int mode, long rdev) {
    return call("mknod", () -> status("mknod", fs.mknod(path(path), mode, rdev)));
  }

  private int mkdir(Pointer path, int mode) {
    return call("mkdir", () -> status("mkdir", fs.mkdir(path(path), mode)));
  }

  private int unlink(Pointer path) {
    return call("unlink", () -> status("unlink", fs.unlink(path(path))));
  }

  private int rmdir(Pointer path) {
    return call("rmdir", () -> status("rmdir", fs.rmdir(path(path))));
  }

  private int symlink(Pointer target, Pointer linkPath) {
    return call(
        "symlink",
        () -> status("symlink", fs.symlink(CStrings.read(target, MAX_NAME), path(linkPath))));
  }

  private int rename(Pointer from, Pointer to) {
    return call("rename", () -> status("rename", fs.rename(path(from), path(to))));
  }

  private int link(Pointer existing, Pointer newPath) {
    return call("link", () -> status("link", fs.link(path(existing), path(newPath))));
  }

  private int chmod(Pointer path, int mode) {
    return call("chmod", () -> status("chmod", fs.chmod(path(path), mode)));
  }

  private int chown(Pointer path, int uid, int gid) {
    return call("chown", () -> status("chown", fs.chown(path(path), uid, gid)));
  }

  private int truncate(Pointer path, long size) {
    return call("truncate", () -> status("truncate", fs.truncate(path(path), size)));
  }

  private int open(Pointer path, Pointer fi) {
    return call("open", () -> status("open", fs.open(path(path), new FileInfo(fi.address()))));
  }

  private int read(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
    return call(
        "read",
        () -> {
          ByteBuffer dst = IO.newDirectByteBuffer(buf.address(), (int) size);
          return count("read", fs.read(path(path), dst, offset, fh(fi)), size);
        });
  }

  private int write(Pointer path, Pointer buf, long size, long offset, Pointer fi) {
    return call(
        "write",
        () -> {
          ByteBuffer src = IO.newDirectByteBuffer(buf.address(), (int) size);
          return count("write", fs.write(path(path), src, offset, fh(fi)), size);
        });
  }

  private int statfs(Pointer path, Pointer stat) {
    return call(
        "statfs", () -> status("statfs", fs.statfs(path(path), new StatVfs(stat.address()))));
  }

  private int flush(Pointer path, Pointer fi) {
    return call("flush", () -> status("flush", fs.flush(path(path), new FileInfo(fi.address()))));
  }

  private int release(Pointer path, Pointer fi) {
    return call(
        "release", () -> status("release", fs.release(path(path), new FileInfo(fi.address()))));
  }

  private int fsync(Pointer path, int datasync, Pointer fi) {
    return call("fsync", () -> status("fsync", fs.fsync(path(path), datasync != 0, fh(fi))));
  }

  private int setxattr(Pointer path, Pointer name, Pointer value, long size, int flags) {
    return call(
        "setxattr",
        () -> {
          ByteBuffer v =
              size == 0
                  ? ByteBuffer.allocate(0)
                  : IO.newDirectByteBuffer(value.address(), (int) size);
          return status("setxattr", fs.setxattr(path(path), name(name), v, flags));
        });
  }

  private int getxattr(Pointer path, Pointer name, Pointer value, long size) {
    return call(
        "getxattr",
        () -> {
          ReplyBuffer out = new ReplyBuffer(size == 0 ? 0 : value.address(), size);
          return count("getxattr", fs.getxattr(path(path), name(name), out), limit(size));
        });
  }

  private int listxattr(Pointer path, Pointer list, long size) {
    return call(
        "listxattr",
        () -> {
          ReplyBuffer out = new ReplyBuffer(size == 0 ? 0 : list.address(), size);
          return count("listxattr", fs.listxattr(path(path), out), limit(size));
        });
  }

  private int removexattr(Pointer path, Pointer name) {
    return call("removexattr", () -> status("removexattr", fs.removexattr(path(path), name(name))));
  }

  private int opendir(Pointer path, Pointer fi) {
    return call(
        "opendir", () -> status("opendir", fs.opendir(path(path), new FileInfo(fi.address()))));
  }

  private int readdir(Pointer path, Pointer buf, Pointer filler, long offset, Pointer fi) {
    long started = System.nanoTime();
    try (NativeDirFiller f = new NativeDirFiller(buf.address(), filler.address())) {
      return status("readdir", fs.readdir(path(path), f, offset, fh(fi)));
    } catch (Throwable e) {
      return failed("readdir", e);
    } finally {
      timed("readdir", started);
    }
  }

  private int releasedir(Pointer path, Pointer fi) {
    return call(
        "releasedir",
        () -> status("releasedir", fs.releasedir(path(path), new FileInfo(fi.address()))));
  }

  private int fsyncdir(Pointer path, int datasync, Pointer fi) {
    return call(
        "fsyncdir", () -> status("fsyncdir", fs.fsyncdir(path(path), datasync != 0, fh(fi))));
  }

  private Pointer init(Pointer conn) {
    try {
      fs.init(new ConnectionInfo(conn.address()));
    } catch (Throwable e) {
      failed("init", e);
    }
    return null;
  }

  private void destroy(Pointer privateData) {
    try {
      fs.destroy();
    } catch (Throwable e) {
      failed("destroy", e);
    }
  }

  private int access(Pointer path, int mask) {
    return call("access", () -> status("access", fs.access(path(path), mask)));
  }

  private int create(Pointer path, int mode, Pointer fi) {
    return call(
        "create", () -> status("create", fs.create(path(path), mode, new FileInfo(fi.address()))));
  }

  private int ftruncate(Pointer path, long size, Pointer fi) {
    return call("ftruncate", () -> status("ftruncate", fs.ftruncate(path(path), size, fh(fi))));
  }

  private int fgetattr(Pointer path, Pointer stat, Pointer fi) {
    return call(
        "fgetattr",
        () -> status("fgetattr", fs.fgetattr(path(path), new Stat(stat.address()), fh(fi))));
  }

  private int utimens(Pointer path, Pointer tv) {
    return call(
        "utimens",
        () -> {
          TimeSpec now = new TimeSpec(0, TimeSpec.UTIME_NOW);
          TimeSpec atime = tv == null ? now : TimeSpec.at(tv.address());
          TimeSpec mtime = tv == null ? now : TimeSpec.at(tv.address() + 16);
          return status("utimens", fs.utimens(path(path), atime, mtime));
        });
  }

  private int fallocate(Pointer path, int mode, long offset, long length, Pointer fi) {
    return call(
        "fallocate",
        () -> status("fallocate", fs.fallocate(path(path), mode, offset, length, fh(fi))));
  }

  /** One callback's work: the filesystem's checked answer ({@link #status} or {@link #count}). */
  @FunctionalInterface
  private interface Body {
    int run() throws Exception;
  }

  /**
   * Runs one callback's {@code body} at the boundary: a throwable becomes an errno ({@link
   * #failed}), a slow answer a log line ({@link #timed}); never throws.
   */
  private static int call(String op, Body body) {
    long started = System.nanoTime();
    try {
      return body.run();
    } catch (Throwable e) {
      return failed(op, e);
    } finally {
      timed(op, started);
    }
  }

  // ---- helpers ----

  private static byte[] path(Pointer p) throws CStrings.TooLongException {
    return CStrings.read(p, MAX_PATH);
  }

  private static byte[] name(Pointer p) throws CStrings.TooLongException {
    return CStrings.read(p, MAX_NAME);
  }

  private static long fh(Pointer fi) {
    return fi == null ? 0 : IO.getLong(fi.address() + FileInfo.FH);
  }

  /** The largest byte count a reply into a buffer of {@code size} bytes may return (0: a query). */
  private static long limit(long size) {
    return size == 0 ? Integer.MAX_VALUE : size;
  }

  /** A status result: 0 or {@code -errno}; anything else is the filesystem's bug. */
  private static int status(String op, int rc) {
    if (rc > 0 || rc < -Errnos.MAX_ERRNO) {
      LOG.error("{} returned {}, not 0 or -errno: answering EIO", op, rc);
      return -Errnos.EIO;
    }
    return rc;
  }

  /** A byte count up to {@code max}, or {@code -errno}. */
  private static int count(String op, int rc, long max) {
    if (rc > max || rc < -Errnos.MAX_ERRNO) {
      LOG.error("{} returned {} (at most {} expected): answering EIO", op, rc, max);
      return -Errnos.EIO;
    }
    return rc;
  }

  /**
   * Logs a request that took longer than {@link #SLOW_NANOS} (a hang in the making: the caller sits
   * in the kernel meanwhile), with the operation and the time; never throws.
   */
  private static void timed(String op, long startedNanos) {
    long took = System.nanoTime() - startedNanos;
    if (took > SLOW_NANOS) {
      try {
        LOG.warn("slow FUSE request: {} took {} ms", op, took / 1_000_000);
      } catch (Throwable logging) {
        // The answer stands.
      }
    }
  }

  /** The answer for a throwable that reached the boundary; never throws. */
  private static int failed(String op, Throwable e) {
    try {
      if (e instanceof CStrings.TooLongException) {
        LOG.debug("{}: {}", op, e.getMessage());
        return -Errnos.ENAMETOOLONG;
      }
      LOG.error("{} failed with an exception: answering EIO", op, e);
    } catch (Throwable logging) {
      // Logging itself failed (out of memory, a broken appender): the answer stands.
    }
    return -Errnos.EIO;
  }
}
