package org.latticefs.cas.chunk;

import java.util.Objects;
import org.latticefs.cas.BlobRef;

/**
 * One chunk of a file: where it starts, how long it is, and the ref of its bytes.
 *
 * @param offset byte offset of the chunk in the file
 * @param length length in bytes, at least 1
 * @param ref BLAKE3 ref of the chunk's bytes (the name of the blob that holds them)
 */
public record Chunk(long offset, long length, BlobRef ref) implements Extent {
  public Chunk {
    if (offset < 0 || length < 1) {
      throw new IllegalArgumentException("bad chunk offset " + offset + " length " + length);
    }
    Objects.requireNonNull(ref, "ref");
  }

  /** The offset just past the chunk's last byte. */
  @Override
  public long end() {
    return offset + length;
  }
}
