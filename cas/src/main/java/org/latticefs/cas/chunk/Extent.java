package org.latticefs.cas.chunk;

/**
 * A run of a file's bytes as its manifest lists it: a {@link Chunk} (stored as a blob) or a {@link
 * Hole} (zeros, stored nowhere). Extents of one file are listed in order, without gaps or overlaps.
 */
public sealed interface Extent permits Chunk, Hole {
  /** Byte offset of the extent in the file. */
  long offset();

  /** Length in bytes, at least 1. */
  long length();

  /** The offset just past the extent's last byte. */
  default long end() {
    return offset() + length();
  }
}
