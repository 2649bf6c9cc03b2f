package org.latticefs.cas.chunk;

/**
 * A hole in a file: {@code length} zero bytes at {@code offset} that are listed in the manifest but
 * never chunked, hashed or stored. Reading them costs no I/O.
 *
 * @param offset byte offset of the hole in the file
 * @param length length in bytes, at least 1
 */
public record Hole(long offset, long length) implements Extent {
  public Hole {
    if (offset < 0 || length < 1) {
      throw new IllegalArgumentException("bad hole offset " + offset + " length " + length);
    }
  }
}
