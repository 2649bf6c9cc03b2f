package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicReference;
import org.latticefs.fs.fuse.kernel.In.MalformedRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one FUSE request: decodes {@code fuse_in_header} and the opcode's arguments from the
 * received bytes, calls the {@link InodeFileSystem}, and sends exactly one reply (or none, for the
 * opcodes the kernel expects none for: FORGET, BATCH_FORGET, INTERRUPT).
 *
 * <h2>Errors</h2>
 *
 * It is the error boundary: a request too short for its opcode or with a malformed name is answered
 * EINVAL, an unknown opcode ENOSYS, anything the filesystem throws EIO (logged), a result out of
 * range EIO; nothing propagates to the caller. A request too short to carry its {@code unique}
 * cannot be answered and is dropped (logged).
 *
 * <h2>Interrupts</h2>
 *
 * FUSE_INTERRUPT is ignored: the interrupted request runs to its end and is answered; the kernel
 * discards an answer it no longer waits for (the device write then fails with ENOENT, and answers
 * that handed out references give them back through {@link InodeFileSystem#forget}).
 *
 * <p>Thread-safe: workers call {@link #serve} concurrently, each with its own {@link Scratch}.
 */
final class Dispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(Dispatcher.class);
  private static final int EIO = 5;
  private static final int EINVAL = 22;
  private static final int ERANGE = 34;
  private static final int EPROTO = 71;
  private static final int ENOSYS = 38;
  private static final int ENOENT = 2;
  private static final int XATTR_SIZE_MAX = 65536;

  /** Where replies go: the device, or a test's capture. */
  interface ReplySink {
    /** Sends one complete reply; 0, or {@code -errno} (ENOENT: the request is gone). */
    int send(ByteBuffer reply);
  }

  /** A worker's reusable buffers and windows. */
  static final class Scratch {
    final In in = new In();
    final Out out;
    final Entry entry = new Entry();
    final Attr attr = new Attr();
    final Opened opened = new Opened();
    final StatFs statfs = new StatFs();
    final DirList dir = new DirList();
    final Bytes bytes = new Bytes();

    Scratch(ByteBuffer replyBuffer) {
      this.out = new Out(replyBuffer.order(ByteOrder.LITTLE_ENDIAN));
    }
  }

  private final InodeFileSystem fs;
  private final KernelOptions options;
  private final AtomicReference<KernelConnection> connection = new AtomicReference<>();
  private volatile boolean destroyed;

  Dispatcher(InodeFileSystem fs, KernelOptions options) {
    this.fs = fs;
    this.options = options;
  }

  /** The INIT agreement, or null before INIT. */
  KernelConnection connection() {
    return connection.get();
  }

  /** Whether DESTROY has been served (the session is over). */
  boolean destroyed() {
    return destroyed;
  }

  /**
   * Serves the request in {@code req[0, length)} ({@code req} little-endian). Never throws for
   * anything the request holds.
   */
  void serve(ByteBuffer req, int length, Scratch s, ReplySink sink) {
    if (length < 16 || length > req.capacity()) {
      LOG.warn("dropped a request of {} bytes: too short to answer", length);
      return;
    }
    long unique = req.getLong(8);
    if (length < Abi.IN_HEADER || req.getInt(0) != length) {
      sink.send(s.out.error(unique, EINVAL).finish());
      return;
    }
    int opcode = req.getInt(4);
    long node = req.getLong(16);
    Caller caller = new Caller(req.getInt(24), req.getInt(28), req.getInt(32));
    In in = s.in.reset(req, Abi.IN_HEADER, length);
    try {
      if (opcode == Abi.INIT) {
        init(unique, in, s, sink);
      } else if (connection.get() == null) {
        sink.send(s.out.error(unique, EIO).finish());
      } else {
        dispatch(opcode, unique, node, caller, in, s, sink);
      }
    } catch (MalformedRequestException e) {
      LOG.debug("malformed request (opcode {}): {}", opcode, e.getMessage());
      if (expectsAnswer(opcode)) {
        sink.send(s.out.error(unique, EINVAL).finish());
      }
    } catch (RuntimeException | Error e) {
      if (e instanceof VirtualMachineError
          && !(e instanceof OutOfMemoryError)
          && !(e instanceof StackOverflowError)) {
        throw e;
      }
      LOG.error("opcode {} on node {} failed; answering EIO", opcode, node, e);
      if (expectsAnswer(opcode)) {
        sink.send(s.out.error(unique, EIO).finish());
      }
    }
  }

  /**
   * Whether the kernel waits for an answer to {@code opcode} (not FORGET, BATCH_FORGET, INTERRUPT).
   */
  private static boolean expectsAnswer(int opcode) {
    return opcode != Abi.FORGET && opcode != Abi.BATCH_FORGET && opcode != Abi.INTERRUPT;
  }

  private void dispatch(int op, long unique, long node, Caller c, In in, Scratch s, ReplySink sink)
      throws MalformedRequestException {
    Out out = s.out;
    switch (op) {
      case Abi.LOOKUP -> {
        byte[] name = in.name(Abi.NAME_MAX);
        Entry e = s.entry.clear();
        entryReply(unique, fs.lookup(c, node, name, e), e, s, sink);
      }
      case Abi.FORGET -> fs.forget(node, in.u64());
      case Abi.BATCH_FORGET -> batchForget(in);
      case Abi.INTERRUPT -> {}
      case Abi.GETATTR -> {
        int flags = in.u32();
        in.skip(4);
        long fh = in.u64();
        Attr a = s.attr.clear();
        attrReply(
            unique, fs.getattr(c, node, (flags & Abi.GETATTR_FH) != 0 ? fh : -1, a), a, s, sink);
      }
      case Abi.SETATTR -> {
        SetAttr change = setattr(in);
        Attr a = s.attr.clear();
        attrReply(unique, fs.setattr(c, node, change, a), a, s, sink);
      }
      case Abi.READLINK -> {
        Bytes b = s.bytes.clear();
        int r = fs.readlink(c, node, b);
        if (r == 0 && b.value == null) {
          r = -EIO;
        }
        sink.send(
            r != 0
                ? out.error(unique, errno(r)).finish()
                : out.begin(unique).bytes(b.value).finish());
      }
      case Abi.SYMLINK -> {
        byte[] name = in.name(Abi.NAME_MAX);
        byte[] target = in.name(Abi.SYMLINK_MAX);
        Entry e = s.entry.clear();
        entryReply(unique, fs.symlink(c, node, name, target, e), e, s, sink);
      }
      case Abi.MKNOD -> {
        int mode = in.u32();
        int rdev = in.u32();
        in.skip(8);
        byte[] name = in.name(Abi.NAME_MAX);
        Entry e = s.entry.clear();
        entryReply(unique, fs.mknod(c, node, name, mode, rdev, e), e, s, sink);
      }
      case Abi.MKDIR -> {
        int mode = in.u32();
        in.skip(4);
        byte[] name = in.name(Abi.NAME_MAX);
        Entry e = s.entry.clear();
        entryReply(unique, fs.mkdir(c, node, name, mode, e), e, s, sink);
      }
      case Abi.UNLINK -> status(unique, fs.unlink(c, node, in.name(Abi.NAME_MAX)), s, sink);
      case Abi.RMDIR -> status(unique, fs.rmdir(c, node, in.name(Abi.NAME_MAX)), s, sink);
      case Abi.RENAME, Abi.RENAME2 -> {
        long newParent = in.u64();
        int flags = 0;
        if (op == Abi.RENAME2) {
          flags = in.u32();
          in.skip(4);
        }
        byte[] from = in.name(Abi.NAME_MAX);
        byte[] to = in.name(Abi.NAME_MAX);
        status(unique, fs.rename(c, node, from, newParent, to, flags), s, sink);
      }
      case Abi.LINK -> {
        long target = in.u64();
        byte[] name = in.name(Abi.NAME_MAX);
        Entry e = s.entry.clear();
        entryReply(unique, fs.link(c, target, node, name, e), e, s, sink);
      }
      case Abi.OPEN, Abi.OPENDIR -> {
        int flags = in.u32();
        Opened o = s.opened.clear();
        int r = op == Abi.OPEN ? fs.open(c, node, flags, o) : fs.opendir(c, node, flags, o);
        if (r != 0) {
          status(unique, r, s, sink);
        } else {
          out.begin(unique);
          o.encode(out);
          if (sink.send(out.finish()) == -ENOENT) {
            release(op == Abi.OPEN, node, o.fh, flags);
          }
        }
      }
      case Abi.CREATE -> create(unique, node, c, in, s, sink);
      case Abi.READ -> {
        long fh = in.u64();
        long offset = in.u64();
        int size = in.u32();
        out.begin(unique);
        ByteBuffer dst = out.window(Math.max(0, Math.min(size, options.maxWrite())));
        int n = fs.read(c, node, fh, offset, dst);
        if (n < 0 || n > dst.capacity()) {
          status(unique, n < 0 ? n : -EIO, s, sink);
        } else {
          sink.send(out.advance(n).finish());
        }
      }
      case Abi.WRITE -> {
        long fh = in.u64();
        long offset = in.u64();
        int size = in.u32();
        in.skip(Abi.WRITE_IN - 20);
        ByteBuffer src = in.view(size);
        int n = fs.write(c, node, fh, offset, src);
        if (n < 0 || n > size) {
          status(unique, n < 0 ? n : -EIO, s, sink);
        } else {
          sink.send(out.begin(unique).u32(n).u32(0).finish());
        }
      }
      case Abi.STATFS -> {
        StatFs st = s.statfs.clear();
        int r = fs.statfs(c, node, st);
        if (r != 0) {
          status(unique, r, s, sink);
        } else {
          out.begin(unique);
          st.encode(out);
          sink.send(out.finish());
        }
      }
      case Abi.RELEASE, Abi.RELEASEDIR -> {
        long fh = in.u64();
        int flags = in.u32();
        release(op == Abi.RELEASE, node, fh, flags);
        sink.send(out.begin(unique).finish());
      }
      case Abi.FLUSH -> status(unique, fs.flush(c, node, in.u64()), s, sink);
      case Abi.FSYNC, Abi.FSYNCDIR -> {
        long fh = in.u64();
        boolean dataOnly = (in.u32() & 1) != 0;
        int r =
            op == Abi.FSYNC ? fs.fsync(c, node, fh, dataOnly) : fs.fsyncdir(c, node, fh, dataOnly);
        status(unique, r, s, sink);
      }
      case Abi.READDIR, Abi.READDIRPLUS ->
          readdir(op == Abi.READDIRPLUS, unique, node, c, in, s, sink);
      case Abi.ACCESS -> status(unique, fs.access(c, node, in.u32()), s, sink);
      case Abi.SETXATTR -> {
        int size = in.u32();
        int flags = in.u32();
        byte[] name = in.name(Abi.NAME_MAX);
        if (size < 0 || size > XATTR_SIZE_MAX) {
          throw new MalformedRequestException("xattr value of " + size + " bytes");
        }
        status(unique, fs.setxattr(c, node, name, in.view(size), flags), s, sink);
      }
      case Abi.GETXATTR -> {
        int size = in.u32();
        in.skip(4);
        byte[] name = in.name(Abi.NAME_MAX);
        Bytes b = s.bytes.clear();
        bytesReply(unique, size, fs.getxattr(c, node, name, b), b, s, sink);
      }
      case Abi.LISTXATTR -> {
        int size = in.u32();
        Bytes b = s.bytes.clear();
        bytesReply(unique, size, fs.listxattr(c, node, b), b, s, sink);
      }
      case Abi.REMOVEXATTR ->
          status(unique, fs.removexattr(c, node, in.name(Abi.NAME_MAX)), s, sink);
      case Abi.FALLOCATE -> {
        long fh = in.u64();
        long offset = in.u64();
        long length = in.u64();
        int mode = in.u32();
        status(unique, fs.fallocate(c, node, fh, mode, offset, length), s, sink);
      }
      case Abi.DESTROY -> {
        destroyed = true;
        sink.send(out.begin(unique).finish());
      }
      default -> sink.send(out.error(unique, ENOSYS).finish());
    }
  }

  private void init(long unique, In in, Scratch s, ReplySink sink)
      throws MalformedRequestException {
    int major = in.u32();
    int minor = in.u32();
    int maxReadahead = in.u32();
    int flags = in.u32();
    Out out = s.out;
    if (major > Abi.KERNEL_VERSION) {
      // The kernel retries INIT with our major version.
      sink.send(out.begin(unique).u32(Abi.KERNEL_VERSION).u32(Abi.KERNEL_MINOR).zeros(56).finish());
      return;
    }
    if (major < Abi.KERNEL_VERSION || minor < Abi.MIN_MINOR) {
      LOG.error(
          "the kernel speaks FUSE {}.{}; at least 7.{} is needed", major, minor, Abi.MIN_MINOR);
      sink.send(out.error(unique, EPROTO).finish());
      return;
    }
    int want =
        Abi.ASYNC_READ | Abi.BIG_WRITES | Abi.MAX_PAGES | Abi.PARALLEL_DIROPS | Abi.ASYNC_DIO;
    if (options.readdirplus()) {
      want |= Abi.DO_READDIRPLUS | Abi.READDIRPLUS_AUTO;
    }
    if (options.autoInvalData()) {
      want |= Abi.AUTO_INVAL_DATA;
    }
    int agreed = flags & want;
    int maxWrite =
        (agreed & Abi.MAX_PAGES) != 0
            ? options.maxWrite()
            : Math.min(options.maxWrite(), 128 << 10);
    KernelConnection conn =
        new KernelConnection(minor, maxWrite, (agreed & Abi.DO_READDIRPLUS) != 0);
    fs.init(conn);
    out.begin(unique)
        .u32(Abi.KERNEL_VERSION)
        .u32(Math.min(minor, Abi.KERNEL_MINOR))
        .u32(maxReadahead)
        .u32(agreed)
        .u16(options.maxWorkers()) // max_background
        .u16(Math.max(1, options.maxWorkers() * 3 / 4)) // congestion_threshold
        .u32(maxWrite)
        .u32(1) // time_gran: nanoseconds
        .u16(maxWrite / 4096) // max_pages
        .u16(0)
        .u32(0)
        .zeros(28);
    if (sink.send(out.finish()) == 0) {
      connection.set(conn);
    }
  }

  private void create(long unique, long parent, Caller c, In in, Scratch s, ReplySink sink)
      throws MalformedRequestException {
    int flags = in.u32();
    int mode = in.u32();
    in.skip(8);
    byte[] name = in.name(Abi.NAME_MAX);
    Entry e = s.entry.clear();
    Opened o = s.opened.clear();
    int r = fs.create(c, parent, name, mode, flags, e, o);
    if (r != 0) {
      status(unique, r, s, sink);
      return;
    }
    Out out = s.out.begin(unique);
    e.encode(out, options.timeouts());
    o.encode(out);
    if (sink.send(out.finish()) == -ENOENT) {
      fs.forget(e.node, 1);
      release(true, e.node, o.fh, flags);
    }
  }

  private void readdir(
      boolean plus, long unique, long node, Caller c, In in, Scratch s, ReplySink sink)
      throws MalformedRequestException {
    long fh = in.u64();
    long offset = in.u64();
    int size = in.u32();
    Out out = s.out.begin(unique);
    DirList list = s.dir.reset(out, Math.max(0, size), plus, options.timeouts());
    int r = fs.readdir(c, node, fh, offset, list);
    long[] counted = list.counted();
    if (r != 0) {
      for (long n : counted) {
        fs.forget(n, 1);
      }
      status(unique, r, s, sink);
    } else if (sink.send(out.finish()) == -ENOENT) {
      for (long n : counted) {
        fs.forget(n, 1);
      }
    }
  }

  private void batchForget(In in) throws MalformedRequestException {
    int count = in.u32();
    in.skip(4);
    long present = Math.min(Integer.toUnsignedLong(count), in.remaining() / 16);
    for (long i = 0; i < present; i++) {
      long n = in.u64();
      fs.forget(n, in.u64());
    }
  }

  private static SetAttr setattr(In in) throws MalformedRequestException {
    int valid = in.u32();
    in.skip(4);
    long fh = in.u64();
    long size = in.u64();
    in.skip(8); // lock_owner
    long atime = in.u64();
    long mtime = in.u64();
    in.skip(8); // ctime
    int atimeNsec = in.u32();
    int mtimeNsec = in.u32();
    in.skip(4); // ctimensec
    int mode = in.u32();
    in.skip(4);
    int uid = in.u32();
    int gid = in.u32();
    return new SetAttr(
        valid,
        (valid & Abi.FATTR_FH) != 0 ? fh : -1,
        size,
        atime,
        atimeNsec,
        mtime,
        mtimeNsec,
        mode,
        uid,
        gid);
  }

  private void release(boolean file, long node, long fh, int flags) {
    if (file) {
      fs.release(node, fh, flags);
    } else {
      fs.releasedir(node, fh);
    }
  }

  private void entryReply(long unique, int r, Entry e, Scratch s, ReplySink sink) {
    if (r != 0) {
      status(unique, r, s, sink);
      return;
    }
    Out out = s.out.begin(unique);
    e.encode(out, options.timeouts());
    if (sink.send(out.finish()) == -ENOENT && e.node != 0) {
      fs.forget(e.node, 1);
    }
  }

  private void attrReply(long unique, int r, Attr a, Scratch s, ReplySink sink) {
    if (r != 0) {
      status(unique, r, s, sink);
      return;
    }
    Out out = s.out.begin(unique);
    out.u64(options.timeouts().attrSeconds()).u32(options.timeouts().attrNanos()).u32(0);
    a.encode(out);
    sink.send(out.finish());
  }

  private void bytesReply(long unique, int size, int r, Bytes b, Scratch s, ReplySink sink) {
    if (r == 0 && b.value == null) {
      r = -EIO;
    }
    if (r != 0) {
      status(unique, r, s, sink);
    } else if (size == 0) {
      sink.send(s.out.begin(unique).u32(b.value.length).u32(0).finish());
    } else if (b.value.length > size) {
      sink.send(s.out.error(unique, ERANGE).finish());
    } else {
      sink.send(s.out.begin(unique).bytes(b.value).finish());
    }
  }

  /** Answers a status: 0 with no body, or the error of a negative result. */
  private static void status(long unique, int r, Scratch s, ReplySink sink) {
    sink.send(r == 0 ? s.out.begin(unique).finish() : s.out.error(unique, errno(r)).finish());
  }

  /** The errno of a result: a negative errno as is, anything else (positive, out of range) EIO. */
  private static int errno(int r) {
    return r < 0 && r > -4096 ? -r : EIO;
  }
}
