package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;

/**
 * Who made the request being served: libfuse's {@code fuse_get_context()}.
 *
 * <p>{@link #current()} works only on a thread serving a request of a {@link LibfuseMount} (inside
 * a callback of its {@link RawFileSystem}): libfuse keeps the context per thread and fills it for
 * each request, and before any mount exists its per-thread key is not even allocated. {@code umask}
 * is the caller's umask where the kernel reports it (protocol 7.12 and later) in {@code create},
 * {@code mknod} and {@code mkdir}, and 0 otherwise; unless the filesystem asks for {@link
 * ConnectionInfo#CAP_DONT_MASK} in {@code init}, the kernel has already applied it to the mode.
 *
 * <p>Layout of {@code struct fuse_context} (64-bit): {@code fuse} at 0, {@code uid} 8, {@code gid}
 * 12, {@code pid} 16, {@code private_data} 24, {@code umask} 32.
 */
public record RequestContext(int uid, int gid, int pid, int umask) {
  static final int UID = 8;
  static final int GID = 12;
  static final int PID = 16;
  static final int UMASK = 32;

  /**
   * The context of the request this thread is serving.
   *
   * @throws IllegalStateException on a thread that does not serve requests of a mount
   */
  public static RequestContext current() {
    if (!(Thread.currentThread() instanceof SessionLoop.Worker)) {
      throw new IllegalStateException(
          "RequestContext.current() outside a request: "
              + Thread.currentThread().getName()
              + " is not a libfuse worker");
    }
    long ctx = Libfuse.get().getContext();
    MemoryIO io = MemoryIO.getInstance();
    return new RequestContext(
        io.getInt(ctx + UID), io.getInt(ctx + GID), io.getInt(ctx + PID), io.getInt(ctx + UMASK));
  }
}
