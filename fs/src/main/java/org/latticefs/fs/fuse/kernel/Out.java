package org.latticefs.fs.fuse.kernel;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * One reply being built in a worker's reply buffer: {@code fuse_out_header} (length, error, unique)
 * followed by the body. Every put checks the buffer's room and throws {@link
 * ReplyTooLargeException} rather than write past it, so no reply can overrun its buffer. Not
 * thread-safe; one per worker.
 */
final class Out {
  private final ByteBuffer buf;

  /** A reply that does not fit the reply buffer: a binding bug, answered EIO. */
  static final class ReplyTooLargeException extends RuntimeException {
    ReplyTooLargeException(int needed, int room) {
      super("reply needs " + needed + " more bytes, " + room + " left", null, false, false);
    }
  }

  Out(ByteBuffer buf) {
    if (buf.order() != ByteOrder.LITTLE_ENDIAN) {
      throw new IllegalArgumentException("the reply buffer must be little-endian");
    }
    this.buf = buf;
  }

  /** Starts a reply to {@code unique} with error 0; the body follows. */
  Out begin(long unique) {
    buf.clear();
    buf.putInt(0).putInt(0).putLong(unique);
    return this;
  }

  /** Starts an error reply ({@code errno} > 0), which has no body. */
  Out error(long unique, int errno) {
    buf.clear();
    buf.putInt(Abi.OUT_HEADER).putInt(-errno).putLong(unique);
    return this;
  }

  int position() {
    return buf.position();
  }

  /** Room left for the body. */
  int room() {
    return buf.capacity() - buf.position();
  }

  private void need(int n) {
    if (n > room()) {
      throw new ReplyTooLargeException(n, room());
    }
  }

  Out u32(int v) {
    need(4);
    buf.putInt(v);
    return this;
  }

  Out u16(int v) {
    need(2);
    buf.putShort((short) v);
    return this;
  }

  Out u64(long v) {
    need(8);
    buf.putLong(v);
    return this;
  }

  Out zeros(int n) {
    need(n);
    for (int i = 0; i < n; i++) {
      buf.put((byte) 0);
    }
    return this;
  }

  Out bytes(byte[] b) {
    need(b.length);
    buf.put(b);
    return this;
  }

  /** A window of {@code max} bytes (or the room left, if less) for the callee to fill in place. */
  ByteBuffer window(int max) {
    int n = Math.min(max, room());
    return buf.slice(buf.position(), n).order(ByteOrder.LITTLE_ENDIAN);
  }

  /** Counts {@code n} bytes written into the last {@link #window} as part of the reply. */
  Out advance(int n) {
    need(n);
    buf.position(buf.position() + n);
    return this;
  }

  /** Ends the reply: writes the length into the header; returns the buffer ready to send. */
  ByteBuffer finish() {
    int len = buf.position();
    buf.putInt(0, len);
    buf.flip();
    return buf;
  }
}
