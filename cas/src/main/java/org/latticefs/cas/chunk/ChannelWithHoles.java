package org.latticefs.cas.chunk;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/**
 * A {@link ChunkSource.Input} over a file channel whose content has holes in known places: the
 * bytes between holes are read from the channel (positional reads, from a start offset), the holes
 * are reported as {@link ChunkSource.Input#HOLE} and never read.
 */
final class ChannelWithHoles implements ChunkSource.Input {
  /** The holes of the content, in order, not overlapping; null after the last. */
  @FunctionalInterface
  interface Holes {
    Hole next() throws IOException;
  }

  private final FileChannel channel;
  private final Holes holes;
  private long pos;
  private Hole hole;
  private boolean noMoreHoles;

  /** Reads {@code channel} from {@code position}; {@code holes} gives those at or after it. */
  ChannelWithHoles(FileChannel channel, long position, Holes holes) {
    this.channel = channel;
    this.pos = position;
    this.holes = holes;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    Hole h = nextHole();
    if (h != null && h.offset() == pos) {
      return HOLE;
    }
    int n = h == null ? len : (int) Math.min(len, h.offset() - pos);
    int got;
    do {
      got = channel.read(ByteBuffer.wrap(b, off, n), pos);
    } while (got == 0);
    if (got > 0) {
      pos += got;
    } else if (h != null) {
      throw new IOException("the content ends at " + pos + ", before its hole at " + h.offset());
    }
    return got;
  }

  @Override
  public long takeHole() throws IOException {
    Hole h = nextHole();
    if (h == null || h.offset() != pos) {
      throw new IllegalStateException("no hole at " + pos);
    }
    hole = null;
    pos = h.end();
    return h.length();
  }

  private Hole nextHole() throws IOException {
    if (hole == null && !noMoreHoles) {
      hole = holes.next();
      if (hole == null) {
        noMoreHoles = true;
      } else if (hole.offset() < pos) {
        throw new IllegalStateException("a hole at " + hole.offset() + " behind " + pos);
      }
    }
    return hole;
  }
}
