package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A bounded cursor over one request's body (the bytes after {@code fuse_in_header}, up to the
 * header's {@code len}): every read checks that its bytes are there and throws {@link
 * MalformedRequestException} (answered EINVAL) when they are not, so no decoder reads past a
 * request or past the receive buffer. Not thread-safe; one per worker, reset per request.
 */
final class In {
  private ByteBuffer buf;
  private int pos;
  private int end;

  /** A malformed request: too short for its opcode, or a name without its NUL. */
  static final class MalformedRequestException extends Exception {
    MalformedRequestException(String message) {
      super(message, null, false, false);
    }
  }

  /** Reads {@code buf[from, to)}; {@code buf} must be little-endian (the host's order). */
  In reset(ByteBuffer buf, int from, int to) {
    if (buf.order() != ByteOrder.LITTLE_ENDIAN || from < 0 || to > buf.capacity() || from > to) {
      throw new IllegalArgumentException("bad window " + from + ".." + to);
    }
    this.buf = buf;
    this.pos = from;
    this.end = to;
    return this;
  }

  int remaining() {
    return end - pos;
  }

  private int take(int n, String what) throws MalformedRequestException {
    if (n < 0 || end - pos < n) {
      throw new MalformedRequestException(
          "request too short for " + what + ": " + (end - pos) + " bytes left, " + n + " needed");
    }
    int at = pos;
    pos += n;
    return at;
  }

  int u32() throws MalformedRequestException {
    return buf.getInt(take(4, "a 32-bit field"));
  }

  long u64() throws MalformedRequestException {
    return buf.getLong(take(8, "a 64-bit field"));
  }

  void skip(int n) throws MalformedRequestException {
    take(n, "padding");
  }

  /**
   * A NUL-terminated name of 1..{@code max} bytes (without the NUL), copied out.
   *
   * @throws MalformedRequestException if there is no NUL within the request or within {@code max}
   *     bytes, or the name is empty
   */
  byte[] name(int max) throws MalformedRequestException {
    int limit = Math.min(end, pos + max + 1);
    for (int i = pos; i < limit; i++) {
      if (buf.get(i) == 0) {
        if (i == pos) {
          throw new MalformedRequestException("empty name");
        }
        byte[] out = new byte[i - pos];
        buf.get(pos, out);
        pos = i + 1;
        return out;
      }
    }
    throw new MalformedRequestException("name without its NUL within " + max + " bytes");
  }

  /** The next {@code n} bytes, copied out. */
  byte[] bytes(int n) throws MalformedRequestException {
    int at = take(n, n + " bytes of data");
    byte[] out = new byte[n];
    buf.get(at, out);
    return out;
  }

  /** A read-only view of the next {@code n} bytes (valid only while the request is served). */
  ByteBuffer view(int n) throws MalformedRequestException {
    int at = take(n, n + " bytes of data");
    return buf.slice(at, n).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
  }
}
