package org.latticefs.cas.chunk;

import java.io.IOException;

/**
 * What a new version of a file keeps of an old one that it equals up to some offset: the old
 * extents before that offset whose cuts the new content cannot move.
 *
 * <p>A chunk's end is content-defined when the next extent is a chunk: the cut depends on the
 * chunk's own bytes only, so it holds in any version with the same bytes there. A chunk that ends
 * at a hole or at the end of the file was cut there because its run of data ended: it holds only
 * while that run still ends there. A hole holds up to where the new version starts to differ.
 */
final class OldVersion {
  private OldVersion() {}

  /**
   * Adds to {@code builder} the extents of {@code old} that a version equal to it on {@code [0,
   * keep)} keeps: every hole up to {@code keep} (one reaching past it cut there), every chunk that
   * ends before {@code keep}, and one that ends exactly at {@code keep} if a chunk follows it.
   * Returns the first extent it did not keep (now taken from {@code old}; a hole returned may have
   * been kept in part), or null after the last. The new version is then chunked afresh from {@code
   * builder.length()}: the start of the returned chunk, or {@code keep}.
   */
  static Extent keepPrefix(ManifestBuilder builder, ChunkCursor old, long keep) throws IOException {
    for (Extent e = old.nextExtent(); e != null; e = old.nextExtent()) {
      if (e.offset() >= keep) {
        return e;
      }
      if (e instanceof Hole h) {
        builder.addHole(Math.min(h.end(), keep) - h.offset());
        if (h.end() > keep) {
          return h;
        }
        continue;
      }
      Chunk c = (Chunk) e;
      if (c.end() > keep || (c.end() == keep && !(old.peekExtent() instanceof Chunk))) {
        return c;
      }
      builder.add(c.ref(), c.length());
    }
    return null;
  }
}
