package org.latticefs.gc;

import java.io.IOException;
import org.latticefs.cas.BlobRef;

/**
 * Every file of the live stores by path, with its content's manifest: how {@code fsck} names the
 * files that lost data without importing the filesystem (the filesystem implements it, the
 * composition root wires it). Streams; a part that cannot be read throws. Safe for concurrent use.
 */
public interface NamedFiles {
  /** Receives one file version. */
  @FunctionalInterface
  interface Sink {
    void file(String path, BlobRef manifest) throws IOException;
  }

  /** Hands every file with a manifest (every concurrent head) to {@code sink}. */
  void forEach(Sink sink) throws IOException;

  /** No files (a node without a filesystem, a test). */
  static NamedFiles none() {
    return sink -> {};
  }
}
