package org.latticefs.cas.store;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.zip.CRC32C;
import org.latticefs.cas.BlobRef;

/**
 * Reads a file channel big-endian through a 64 KiB buffer, keeping a running CRC32C of what it
 * read: the decoder under {@link AccessFiles}'s snapshot and journal. A read past the end of the
 * channel is an {@link EOFException}. Not thread-safe; the caller closes the channel.
 */
final class CrcReader {
  private final FileChannel ch;
  private final ByteBuffer buf = ByteBuffer.allocate(1 << 16);
  private final CRC32C crc = new CRC32C();
  private long filePos;

  CrcReader(FileChannel ch) {
    this.ch = ch;
    buf.limit(0);
  }

  /** The CRC32C of everything read since the start or the last {@link #resetCrc()}. */
  int crc() {
    return (int) crc.getValue();
  }

  void resetCrc() {
    crc.reset();
  }

  /** Reads from {@code pos} next (the CRC is left as it is). */
  void seek(long pos) {
    filePos = pos;
    buf.limit(0);
  }

  private void need(int n) throws IOException {
    if (buf.remaining() >= n) {
      return;
    }
    buf.compact();
    while (buf.position() < n) {
      int r = ch.read(buf, filePos);
      if (r < 0) {
        throw new EOFException("unexpected end of " + ch);
      }
      filePos += r;
    }
    buf.flip();
  }

  byte[] bytes(int n) throws IOException {
    need(n);
    byte[] b = new byte[n];
    buf.get(b);
    crc.update(b, 0, n);
    return b;
  }

  int getInt() throws IOException {
    need(4);
    crc.update(buf.array(), buf.position(), 4);
    return buf.getInt();
  }

  /** A key: a version 2 entry's u64, or the first 8 bytes of a version 1 entry's 32-byte ref. */
  long entryKey(boolean v1) throws IOException {
    int n = v1 ? BlobRef.LENGTH : 8;
    need(n);
    int p = buf.position();
    crc.update(buf.array(), p, n);
    long k = buf.getLong();
    buf.position(p + n);
    return k;
  }

  /** Reads and checksums {@code n} bytes without keeping them. */
  void skip(long n) throws IOException {
    while (n > 0) {
      int step = (int) Math.min(n, buf.capacity());
      need(step);
      crc.update(buf.array(), buf.position(), step);
      buf.position(buf.position() + step);
      n -= step;
    }
  }
}
