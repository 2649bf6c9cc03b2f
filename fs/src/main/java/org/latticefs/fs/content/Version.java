package org.latticefs.fs.content;

import org.latticefs.cas.BlobRef;

/**
 * A stored version of a file's content: {@code inline} bytes (a small file, kept in its inode), the
 * cas {@code manifest} of its chunks, or neither for an empty file. A version is immutable once
 * stored: its manifest and everything it reaches are durable in cas.
 *
 * @param inline the whole content, or null; owned by the version (callers do not change it)
 */
public record Version(long size, BlobRef manifest, byte[] inline) {
  public Version {
    if (size < 0 || (manifest != null && inline != null)) {
      throw new IllegalArgumentException("a version has a manifest or inline bytes, not both");
    }
    if (inline != null && inline.length != size) {
      throw new IllegalArgumentException("inline bytes are the whole content");
    }
  }
}
