package org.latticefs.kv.log;

import java.io.IOException;
import org.latticefs.kv.KvException;

/**
 * A read buffer over the bytes {@code [0, end)} of a log file, refilled on demand in reads of up to
 * {@value #READ_CHUNK} bytes: how open and sequential readers walk the frames. Not thread-safe; one
 * per walk.
 */
final class FileWindow {
  static final int READ_CHUNK = 1 << 20;

  /** Reads exactly {@code len} bytes of the file at {@code pos} into {@code dst[off..]}. */
  @FunctionalInterface
  interface ReadAt {
    void read(long pos, byte[] dst, int off, int len) throws IOException;
  }

  private final ReadAt file;
  private final String name;
  private final long end;
  private byte[] bytes = new byte[0];
  private long start;
  private int length;

  FileWindow(ReadAt file, String name, long end) {
    this.file = file;
    this.name = name;
    this.end = end;
  }

  /** The buffer that {@link #at} indexes into; valid until the next call of {@link #at}. */
  byte[] bytes() {
    return bytes;
  }

  /** The end of the readable range. */
  long end() {
    return end;
  }

  /**
   * Makes {@code [pos, pos+n)} available in {@link #bytes()} and returns its index there.
   *
   * @throws KvException if the range passes the end
   */
  int at(long pos, int n) throws IOException {
    if (pos >= start && pos + n <= start + length) {
      return (int) (pos - start);
    }
    if (pos + n > end) {
      throw new KvException("log " + name + ": frame at " + pos + " passes the end " + end);
    }
    int size = (int) Math.min(end - pos, Math.max(n, READ_CHUNK));
    if (bytes.length < size) {
      bytes = new byte[size];
    }
    file.read(pos, bytes, 0, size);
    start = pos;
    length = size;
    return 0;
  }
}
