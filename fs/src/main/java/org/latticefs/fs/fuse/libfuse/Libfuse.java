package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.CallContext;
import com.kenai.jffi.Invoker;
import com.kenai.jffi.Library;
import com.kenai.jffi.MemoryIO;
import com.kenai.jffi.Type;

/**
 * The libfuse2 functions this binding calls, each resolved by name <em>and symbol version</em>.
 *
 * <p>libfuse2 exports several versions of some symbols, and a plain {@code dlsym} does not always
 * return the current one: on Debian's libfuse 2.9.9, {@code dlsym("fuse_new")} returns the hidden
 * {@code (Base)} compatibility entry ({@code fuse_new_compat2}, which takes a file descriptor and
 * an option string), not {@code fuse_new@@FUSE_2.6}. Calling it with 2.6 arguments would crash the
 * JVM. So every function is looked up with {@code dlvsym(handle, name, version)}, the versions
 * being those of libfuse's own version script, and called through jffi with an explicit signature.
 *
 * <p>The library is opened once ({@code libfuse.so.2}, by its soname, so an unversioned {@code
 * libfuse.so} of another major version is never picked up) and never closed: libfuse keeps
 * process-wide state (its context key) that must outlive every mount.
 *
 * <p>Thread-safe: the calls are as thread-safe as libfuse's functions themselves (the session
 * functions are meant to be called from several worker threads at once).
 */
final class Libfuse {
  private static final int RTLD_NOW = 2;
  private static final Invoker INVOKER = Invoker.getInstance();
  private static final MemoryIO IO = MemoryIO.getInstance();

  private final Fn mount;
  private final Fn fuseNew;
  private final Fn unmount;
  private final Fn destroy;
  private final Fn getSession;
  private final Fn chanBufsize;
  private final Fn receiveBuf;
  private final Fn processBuf;
  private final Fn getContext;
  private final Fn optFreeArgs;

  /** A resolved function: its address and its C signature. */
  private record Fn(long address, CallContext signature) {}

  private Libfuse(Dl dl, long handle) {
    mount = fn(dl, handle, "fuse_mount", "FUSE_2.6", Type.POINTER, Type.POINTER, Type.POINTER);
    fuseNew =
        fn(
            dl,
            handle,
            "fuse_new",
            "FUSE_2.6",
            Type.POINTER,
            Type.POINTER,
            Type.POINTER,
            Type.POINTER,
            Type.ULONG,
            Type.POINTER);
    unmount = fn(dl, handle, "fuse_unmount", "FUSE_2.6", Type.VOID, Type.POINTER, Type.POINTER);
    destroy = fn(dl, handle, "fuse_destroy", "FUSE_2.2", Type.VOID, Type.POINTER);
    getSession = fn(dl, handle, "fuse_get_session", "FUSE_2.6", Type.POINTER, Type.POINTER);
    chanBufsize = fn(dl, handle, "fuse_chan_bufsize", "FUSE_2.4", Type.ULONG, Type.POINTER);
    receiveBuf =
        fn(
            dl,
            handle,
            "fuse_session_receive_buf",
            "FUSE_2.9",
            Type.SINT,
            Type.POINTER,
            Type.POINTER,
            Type.POINTER);
    processBuf =
        fn(
            dl,
            handle,
            "fuse_session_process_buf",
            "FUSE_2.9",
            Type.VOID,
            Type.POINTER,
            Type.POINTER,
            Type.POINTER);
    getContext = fn(dl, handle, "fuse_get_context", "FUSE_2.8", Type.POINTER);
    optFreeArgs = fn(dl, handle, "fuse_opt_free_args", "FUSE_2.5", Type.VOID, Type.POINTER);
  }

  /**
   * The loaded library.
   *
   * @throws UnsatisfiedLinkError naming what is missing (libfuse2 itself, or a libfuse older than
   *     2.9 without the session buffer functions)
   */
  static Libfuse get() {
    return Holder.INSTANCE;
  }

  private static final class Holder {
    static final Libfuse INSTANCE = load();
  }

  private static Libfuse load() {
    Dl dl = new Dl();
    return new Libfuse(dl, dl.open("libfuse.so.2"));
  }

  private static Fn fn(Dl dl, long handle, String name, String version, Type ret, Type... params) {
    return new Fn(dl.versionedSymbol(handle, name, version), new CallContext(ret, params));
  }

  /** {@code fuse_mount}: mounts and returns the channel, or 0 (libfuse printed why on stderr). */
  long fuseMount(long mountPoint, long args) {
    return INVOKER.invokeN2(mount.signature(), mount.address(), mountPoint, args);
  }

  /** {@code fuse_new}: the filesystem object for a channel, or 0 (reason on stderr). */
  long fuseNew(long chan, long args, long ops, long opsSize) {
    return INVOKER.invokeN5(fuseNew.signature(), fuseNew.address(), chan, args, ops, opsSize, 0L);
  }

  /**
   * {@code fuse_unmount}: closes the channel's descriptor and detaches the mount if still there.
   */
  void fuseUnmount(long mountPoint, long chan) {
    INVOKER.invokeN2(unmount.signature(), unmount.address(), mountPoint, chan);
  }

  /** {@code fuse_destroy}: calls the filesystem's destroy (if it had init) and frees everything. */
  void fuseDestroy(long fuse) {
    INVOKER.invokeN1(destroy.signature(), destroy.address(), fuse);
  }

  long getSession(long fuse) {
    return INVOKER.invokeN1(getSession.signature(), getSession.address(), fuse);
  }

  long chanBufsize(long chan) {
    return INVOKER.invokeN1(chanBufsize.signature(), chanBufsize.address(), chan);
  }

  /**
   * {@code fuse_session_receive_buf}: blocks for the next request. Returns its size, 0 when the
   * session has ended (unmounted), or a negative errno.
   */
  int receiveBuf(long session, long buf, long chanSlot) {
    return (int)
        INVOKER.invokeN3(receiveBuf.signature(), receiveBuf.address(), session, buf, chanSlot);
  }

  /** {@code fuse_session_process_buf}: runs the request, calling back into the filesystem. */
  void processBuf(long session, long buf, long chan) {
    INVOKER.invokeN3(processBuf.signature(), processBuf.address(), session, buf, chan);
  }

  /** {@code fuse_get_context}: the calling thread's request context (never 0). */
  long getContext() {
    return INVOKER.invokeN0(getContext.signature(), getContext.address());
  }

  /** {@code fuse_opt_free_args}: frees what libfuse allocated into a {@code struct fuse_args}. */
  void optFreeArgs(long args) {
    INVOKER.invokeN1(optFreeArgs.signature(), optFreeArgs.address(), args);
  }

  /** The dynamic loader's {@code dlopen}, {@code dlvsym} and {@code dlerror}, through jffi. */
  private static final class Dl {
    private static final CallContext OPEN = new CallContext(Type.POINTER, Type.POINTER, Type.SINT);
    private static final CallContext VSYM =
        new CallContext(Type.POINTER, Type.POINTER, Type.POINTER, Type.POINTER);
    private static final CallContext ERROR = new CallContext(Type.POINTER);

    private final long dlopen;
    private final long dlvsym;
    private final long dlerror;

    Dl() {
      Library process = Library.getDefault();
      dlopen = process.getSymbolAddress("dlopen");
      dlvsym = process.getSymbolAddress("dlvsym");
      dlerror = process.getSymbolAddress("dlerror");
      if (dlopen == 0 || dlvsym == 0 || dlerror == 0) {
        throw new UnsatisfiedLinkError("the dynamic loader's dlopen/dlvsym are not reachable");
      }
    }

    long open(String soname) {
      long name = CStrings.allocate(soname);
      try {
        long handle = INVOKER.invokeN2(OPEN, dlopen, name, RTLD_NOW);
        if (handle == 0) {
          throw new UnsatisfiedLinkError(
              "cannot load "
                  + soname
                  + " ("
                  + lastError()
                  + "); install it: apt-get install -y libfuse2 fuse3");
        }
        return handle;
      } finally {
        IO.freeMemory(name);
      }
    }

    long versionedSymbol(long handle, String name, String version) {
      long n = CStrings.allocate(name);
      long v = CStrings.allocate(version);
      try {
        long address = INVOKER.invokeN3(VSYM, dlvsym, handle, n, v);
        if (address == 0) {
          throw new UnsatisfiedLinkError(
              "libfuse.so.2 has no "
                  + name
                  + "@"
                  + version
                  + " ("
                  + lastError()
                  + "): libfuse 2.9 or later is needed");
        }
        return address;
      } finally {
        IO.freeMemory(n);
        IO.freeMemory(v);
      }
    }

    private String lastError() {
      long message = INVOKER.invokeN0(ERROR, dlerror);
      return message == 0 ? "no detail" : CStrings.ascii(message, 4096);
    }
  }
}
