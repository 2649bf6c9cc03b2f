package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.util.List;

/**
 * A caller's buffer that a callback fills with bytes ({@code readlink}'s target, {@code getxattr}'s
 * value, {@code listxattr}'s names): native memory libfuse lends for one callback.
 *
 * <p>Each {@code reply…} method implements one callback's convention and returns what the callback
 * returns, so a filesystem writes {@code return buffer.replyValue(bytes);}.
 */
public final class ReplyBuffer {
  private static final MemoryIO IO = MemoryIO.getInstance();

  private final long address;
  private final long capacity;

  ReplyBuffer(long address, long capacity) {
    this.address = address;
    this.capacity = capacity;
  }

  /** How many bytes the caller's buffer holds (0: the caller only asks for the size). */
  public long capacity() {
    return capacity;
  }

  /**
   * {@code getxattr}'s convention: with a zero-size buffer returns the value's length; if the value
   * does not fit returns {@code -ERANGE}; otherwise copies it and returns its length.
   */
  public int replyValue(byte[] value) {
    if (capacity == 0) {
      return value.length;
    }
    if (value.length > capacity) {
      return -Errnos.ERANGE;
    }
    IO.putByteArray(address, value, 0, value.length);
    return value.length;
  }

  /**
   * {@code listxattr}'s convention for a list of names, each followed by a NUL: the total length
   * with a zero-size buffer, {@code -ERANGE} if they do not fit, else the names and their length.
   *
   * @throws IllegalArgumentException if a name is empty or contains a NUL (it would split)
   */
  public int replyNames(List<byte[]> names) {
    long total = 0;
    for (byte[] n : names) {
      if (n.length == 0 || contains(n, (byte) 0)) {
        throw new IllegalArgumentException("an xattr name is empty or contains NUL");
      }
      total += n.length + 1L;
    }
    if (total > Integer.MAX_VALUE) {
      return -Errnos.E2BIG;
    }
    if (capacity == 0) {
      return (int) total;
    }
    if (total > capacity) {
      return -Errnos.ERANGE;
    }
    long at = address;
    for (byte[] n : names) {
      IO.putByteArray(at, n, 0, n.length);
      IO.putByte(at + n.length, (byte) 0);
      at += n.length + 1L;
    }
    return (int) total;
  }

  /**
   * {@code readlink}'s convention: copies the target and a terminating NUL and returns 0. A target
   * that does not fit is refused with {@code -ENAMETOOLONG} rather than cut short (libfuse2 passes
   * {@code PATH_MAX + 1} bytes, and the kernel never creates longer targets).
   *
   * @throws IllegalArgumentException if the target contains a NUL
   */
  public int replyLink(byte[] target) {
    if (contains(target, (byte) 0)) {
      throw new IllegalArgumentException("a symlink target contains NUL");
    }
    if (target.length + 1L > capacity) {
      return -Errnos.ENAMETOOLONG;
    }
    IO.putByteArray(address, target, 0, target.length);
    IO.putByte(address + target.length, (byte) 0);
    return 0;
  }

  private static boolean contains(byte[] bytes, byte b) {
    for (byte x : bytes) {
      if (x == b) {
        return true;
      }
    }
    return false;
  }
}
