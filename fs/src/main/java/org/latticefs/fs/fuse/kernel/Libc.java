package org.latticefs.fs.fuse.kernel;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.CallingConvention;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.LastError;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;
import java.nio.charset.StandardCharsets;

/**
 * The C library calls the direct binding makes ({@code open}, {@code read}, {@code write}, {@code
 * close}, {@code mount}, {@code umount2}), called through jffi with explicit signatures and errno
 * saved per call. Each method returns what the C function returns; a negative result's cause is
 * {@link #errno()} of the same thread, read right after. Thread-safe (as the C calls are).
 */
final class Libc {
  static final int O_RDWR = 2;
  static final int O_CLOEXEC = 0x80000;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final int MNT_DETACH = 2;
  static final int EINTR = 4;
  static final int ENOENT = 2;
  static final int EAGAIN = 11;
  static final int ENODEV = 19;

  private static final Invoker INVOKER = Invoker.getInstance();
  private static final MemoryIO IO = MemoryIO.getInstance();

  private static final CallContext OPEN = ctx(Type.SINT, Type.POINTER, Type.SINT);
  private static final CallContext CLOSE = ctx(Type.SINT, Type.SINT);
  private static final CallContext RW = ctx(Type.SLONG, Type.SINT, Type.POINTER, Type.ULONG);
  private static final CallContext MOUNT =
      ctx(Type.SINT, Type.POINTER, Type.POINTER, Type.POINTER, Type.ULONG, Type.POINTER);
  private static final CallContext UMOUNT2 = ctx(Type.SINT, Type.POINTER, Type.SINT);
  private static final CallContext ID = ctx(Type.UINT);

  private static final long OPEN_FN = symbol("open");
  private static final long CLOSE_FN = symbol("close");
  private static final long READ_FN = symbol("read");
  private static final long WRITE_FN = symbol("write");
  private static final long MOUNT_FN = symbol("mount");
  private static final long UMOUNT2_FN = symbol("umount2");
  private static final long GETUID_FN = symbol("getuid");
  private static final long GETGID_FN = symbol("getgid");

  private Libc() {}

  private static CallContext ctx(Type ret, Type... params) {
    return CallContext.getCallContext(ret, params, CallingConvention.DEFAULT, true);
  }

  private static long symbol(String name) {
    long address = Library.getDefault().getSymbolAddress(name);
    if (address == 0) {
      throw new UnsatisfiedLinkError("the C library has no " + name);
    }
    return address;
  }

  /** errno of the calling thread's last call through this class. */
  static int errno() {
    return LastError.getInstance().get();
  }

  static int open(String path, int flags) {
    long p = cString(path);
    try {
      return (int) INVOKER.invokeN2(OPEN, OPEN_FN, p, flags);
    } finally {
      IO.freeMemory(p);
    }
  }

  static int close(int fd) {
    return (int) INVOKER.invokeN1(CLOSE, CLOSE_FN, fd);
  }

  /** {@code read(fd, address, length)}: bytes read, or -1. */
  static long read(int fd, long address, long length) {
    return INVOKER.invokeN3(RW, READ_FN, fd, address, length);
  }

  /** {@code write(fd, address, length)}: bytes written, or -1. */
  static long write(int fd, long address, long length) {
    return INVOKER.invokeN3(RW, WRITE_FN, fd, address, length);
  }

  static int mount(String source, String target, String type, long flags, String data) {
    long s = cString(source);
    long t = cString(target);
    long y = cString(type);
    long d = cString(data);
    try {
      return (int) INVOKER.invokeN5(MOUNT, MOUNT_FN, s, t, y, flags, d);
    } finally {
      IO.freeMemory(s);
      IO.freeMemory(t);
      IO.freeMemory(y);
      IO.freeMemory(d);
    }
  }

  static int umount2(String target, int flags) {
    long t = cString(target);
    try {
      return (int) INVOKER.invokeN2(UMOUNT2, UMOUNT2_FN, t, flags);
    } finally {
      IO.freeMemory(t);
    }
  }

  static int getuid() {
    return (int) INVOKER.invokeN0(ID, GETUID_FN);
  }

  static int getgid() {
    return (int) INVOKER.invokeN0(ID, GETGID_FN);
  }

  /** A NUL-terminated copy of {@code s} in native memory; the caller frees it. */
  private static long cString(String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    long p = IO.allocateMemory(b.length + 1, false);
    if (p == 0) {
      throw new OutOfMemoryError("native memory for a string");
    }
    IO.putByteArray(p, b, 0, b.length);
    IO.putByte(p + b.length, (byte) 0);
    return p;
  }
}
