package org.latticefs.fs.fuse.libfuse;

import com.kenai.jffi.MemoryIO;
import java.nio.charset.StandardCharsets;
import jnr.ffi.Pointer;

/**
 * NUL-terminated byte strings between native memory and Java, as bytes: no charset ever decodes a
 * name. Every read has a length limit: a string with no NUL within it is refused, never read past.
 */
final class CStrings {
  private static final MemoryIO IO = MemoryIO.getInstance();

  /**
   * The longest path accepted from libfuse, in bytes. The kernel limits each name (1,024 bytes for
   * FUSE) but not the depth of a tree, and libfuse's high-level API hands over the whole path from
   * the mount root, so paths may exceed {@code PATH_MAX}; this bounds them all the same.
   */
  static final int MAX_PATH = 1 << 20;

  /** The longest name (readdir entry, xattr name) or symlink target accepted, in bytes. */
  static final int MAX_NAME = 4096;

  private CStrings() {}

  /** A string longer than its limit: the callback answers {@code ENAMETOOLONG}. */
  static final class TooLongException extends Exception {
    TooLongException(int limit) {
      super("no NUL within " + limit + " bytes", null, false, false);
    }
  }

  /**
   * The bytes of the string at {@code p} (without its NUL), or null when {@code p} is null.
   *
   * @throws TooLongException if there is no NUL within {@code limit} bytes
   */
  static byte[] read(Pointer p, int limit) throws TooLongException {
    return p == null ? null : read(p.address(), limit);
  }

  static byte[] read(long address, int limit) throws TooLongException {
    if (address == 0) {
      return null;
    }
    long n = IO.indexOf(address, (byte) 0, limit);
    if (n < 0) {
      throw new TooLongException(limit);
    }
    byte[] bytes = new byte[(int) n];
    IO.getByteArray(address, bytes, 0, bytes.length);
    return bytes;
  }

  /** The ASCII text at {@code address} (for libc's messages), cut at {@code limit} bytes. */
  static String ascii(long address, int limit) {
    long n = IO.indexOf(address, (byte) 0, limit);
    byte[] bytes = new byte[(int) (n < 0 ? limit : n)];
    IO.getByteArray(address, bytes, 0, bytes.length);
    return new String(bytes, StandardCharsets.ISO_8859_1);
  }

  /** A malloc'd NUL-terminated copy of {@code bytes}; the caller frees it with freeMemory. */
  static long allocate(byte[] bytes) {
    long address = IO.allocateMemory(bytes.length + 1L, false);
    if (address == 0) {
      throw new OutOfMemoryError("malloc of " + (bytes.length + 1) + " bytes failed");
    }
    IO.putByteArray(address, bytes, 0, bytes.length);
    IO.putByte(address + bytes.length, (byte) 0);
    return address;
  }

  /** {@link #allocate(byte[])} of a symbol or library name (ASCII). */
  static long allocate(String ascii) {
    return allocate(ascii.getBytes(StandardCharsets.US_ASCII));
  }

  /** Whether {@code name} can be a path component: non-empty, no NUL, no {@code /}. */
  static boolean isComponent(byte[] name) {
    if (name.length == 0) {
      return false;
    }
    for (byte b : name) {
      if (b == 0 || b == '/') {
        return false;
      }
    }
    return true;
  }
}
