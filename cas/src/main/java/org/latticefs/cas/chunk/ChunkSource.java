package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads an input in large blocks and cuts each block into whole chunks; the incomplete tail of a
 * block is carried into the next. Blocks come from a fixed pool, so memory is bounded and a block
 * can be handed to another thread and released there.
 *
 * <p>{@link #next()} is called by one thread; {@link #release(Block)} by any.
 */
final class ChunkSource {
  /** Where bytes come from. */
  interface Input {
    /** Like {@link InputStream#read(byte[], int, int)}: -1 at end, else at least 1 byte. */
    int read(byte[] b, int off, int len) throws IOException;

    static Input of(InputStream in) {
      return in::read;
    }

    /** Reads {@code ch} from {@code position} on, without moving the channel's own position. */
    static Input of(FileChannel ch, long position) {
      return new Input() {
        long pos = position;

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
          ByteBuffer bb = ByteBuffer.wrap(b, off, len);
          int n;
          do {
            n = ch.read(bb, pos);
          } while (n == 0);
          if (n > 0) {
            pos += n;
          }
          return n;
        }
      };
    }
  }

  /** A buffer of whole chunks: chunk k is {@code buf[k == 0 ? 0 : ends[k-1], ends[k])}. */
  static final class Block {
    private final byte[] buf;
    private final int[] ends;
    private int count;
    private long offset;

    Block(int size, int minChunk) {
      buf = new byte[size];
      ends = new int[size / minChunk + 2];
    }

    byte[] buf() {
      return buf;
    }

    int[] ends() {
      return ends;
    }

    int count() {
      return count;
    }

    /** Offset in the input of {@code buf[0]}. */
    long offset() {
      return offset;
    }

    int start(int k) {
      return k == 0 ? 0 : ends[k - 1];
    }
  }

  /** Block size for a chunker: several max-size chunks, at least 4 MiB. */
  static int bufferSize(Chunker chunker) {
    return Math.max(4 << 20, 4 * chunker.maxSize());
  }

  private final Chunker chunker;
  private final Input input;
  private final BlockingQueue<Block> pool;
  private final byte[] carry;
  private int carryLen;
  private long nextOffset;
  private boolean eof;

  ChunkSource(Chunker chunker, Input input, int bufferSize) {
    this(chunker, input, bufferSize, 1, 0);
  }

  /**
   * @param blocks how many blocks may be out at once (1 for a single thread)
   * @param startOffset the input offset of the first byte {@code input} yields
   */
  ChunkSource(Chunker chunker, Input input, int bufferSize, int blocks, long startOffset) {
    if (bufferSize < 2 * chunker.maxSize()) {
      throw new IllegalArgumentException("buffer must hold two max-size chunks");
    }
    this.chunker = chunker;
    this.input = input;
    this.pool = new ArrayBlockingQueue<>(blocks);
    for (int i = 0; i < blocks; i++) {
      pool.add(new Block(bufferSize, chunker.minSize()));
    }
    this.carry = new byte[chunker.maxSize()];
    this.nextOffset = startOffset;
  }

  /**
   * The next block of whole chunks, or null at the end of the input. Waits for a block to be
   * released if all are out.
   */
  Block next() throws IOException {
    if (eof && carryLen == 0) {
      return null;
    }
    Block b;
    try {
      b = pool.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted waiting for a chunk buffer");
    }
    byte[] buf = b.buf;
    System.arraycopy(carry, 0, buf, 0, carryLen);
    int filled = carryLen;
    while (filled < buf.length && !eof) {
      int n = input.read(buf, filled, buf.length - filled);
      if (n < 0) {
        eof = true;
      } else {
        filled += n;
      }
    }
    int max = chunker.maxSize();
    int start = 0;
    int count = 0;
    int[] ends = b.ends;
    while (true) {
      int avail = filled - start;
      if (avail == 0 || (!eof && avail < max)) {
        break;
      }
      start += chunker.cutLength(buf, start, avail);
      ends[count++] = start;
    }
    carryLen = filled - start;
    System.arraycopy(buf, start, carry, 0, carryLen);
    b.count = count;
    b.offset = nextOffset;
    nextOffset += start;
    if (count == 0) {
      pool.add(b);
      return null;
    }
    return b;
  }

  /** True once every byte of the input has been returned in a block. */
  boolean atEnd() {
    return eof && carryLen == 0;
  }

  /** Gives a block back to the pool; its contents are overwritten by a later {@link #next()}. */
  void release(Block b) {
    pool.add(b);
  }
}
