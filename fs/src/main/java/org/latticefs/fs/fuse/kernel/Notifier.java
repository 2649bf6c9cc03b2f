package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.ToIntFunction;

/**
 * Tells the kernel that something changed behind its back (another node wrote a file, a name
 * appeared or went), so it drops what it cached: FUSE_NOTIFY_INVAL_INODE and
 * FUSE_NOTIFY_INVAL_ENTRY.
 *
 * <p>Thread-safe. Do not call from inside a request on the same directory or inode (the kernel may
 * hold the lock the invalidation needs): call from another thread.
 */
public final class Notifier {
  private static final int ENOENT = 2;

  private final ToIntFunction<ByteBuffer> device;

  Notifier(ToIntFunction<ByteBuffer> device) {
    this.device = device;
  }

  /**
   * Drops the kernel's cached attributes of {@code node} and its cached pages in {@code [offset,
   * offset + length)} ({@code length} 0: to the end of the file; {@code offset} negative: only the
   * attributes). Returns 0, or {@code -errno}; a node the kernel does not know is not an error.
   */
  public int invalidateInode(long node, long offset, long length) {
    ByteBuffer b = message(Abi.NOTIFY_INVAL_INODE, 24);
    b.putLong(node).putLong(offset).putLong(length);
    return send(b);
  }

  /**
   * Drops the kernel's cached name {@code name} in directory {@code parent} (1..1024 bytes), so the
   * next access looks it up again. Returns 0, or {@code -errno}; a name the kernel does not have is
   * not an error.
   */
  public int invalidateEntry(long parent, byte[] name) {
    if (name.length == 0 || name.length > Abi.NAME_MAX) {
      throw new IllegalArgumentException("a name has 1.." + Abi.NAME_MAX + " bytes");
    }
    ByteBuffer b = message(Abi.NOTIFY_INVAL_ENTRY, 16 + name.length + 1);
    b.putLong(parent).putInt(name.length).putInt(0).put(name).put((byte) 0);
    return send(b);
  }

  private static ByteBuffer message(int code, int bodySize) {
    ByteBuffer b =
        ByteBuffer.allocateDirect(Abi.OUT_HEADER + bodySize).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(Abi.OUT_HEADER + bodySize).putInt(code).putLong(0);
    return b;
  }

  private int send(ByteBuffer b) {
    b.flip();
    int r = device.applyAsInt(b);
    return r == -ENOENT ? 0 : r;
  }
}
