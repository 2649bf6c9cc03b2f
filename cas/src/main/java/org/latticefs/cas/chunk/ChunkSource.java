package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Reads an input in large blocks and cuts each block into whole chunks; the incomplete tail of a
 * block is carried into the next. Blocks come from a fixed pool, so memory is bounded and a block
 * can be handed to another thread and released there.
 *
 * <p>An input may contain holes ({@link Input#HOLE}): the data before a hole is cut as if the input
 * ended there, the block that ends at it says how long the hole is ({@link Block#hole()}), and
 * chunking starts afresh after it. So the chunks of a run of data depend on that run alone.
 *
 * <p>{@link #next()} is called by one thread; {@link #release(Block)} by any.
 */
final class ChunkSource {
  /** Where bytes come from. */
  interface Input {
    /** What {@link #read} returns where a hole starts. */
    int HOLE = -2;

    /**
     * Like {@link InputStream#read(byte[], int, int)}: -1 at end, else at least 1 byte; or {@link
     * #HOLE} when a hole starts at the current position (never after returning bytes of the same
     * call), after which {@link #takeHole()} is called.
     */
    int read(byte[] b, int off, int len) throws IOException;

    /** The length (at least 1) of the hole {@link #read} just reported; the input moves past it. */
    default long takeHole() throws IOException {
      throw new IllegalStateException("this input has no holes");
    }

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

  /**
   * A buffer of whole chunks: chunk k is {@code buf[k == 0 ? 0 : ends[k-1], ends[k])}, followed by
   * a hole of {@link #hole()} bytes (0: none). A block may hold no chunk, only a hole.
   */
  static final class Block {
    private byte[] buf;
    private int[] ends;
    private int count;
    private long offset;
    private long hole;

    Block(int size, int minChunk) {
      resize(size, minChunk);
    }

    private void resize(int size, int minChunk) {
      buf = buf == null ? new byte[size] : java.util.Arrays.copyOf(buf, size);
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

    /** Length of the hole after the last chunk, 0 if none. */
    long hole() {
      return hole;
    }

    /** Offset in the input just past the last chunk (where the hole, if any, starts). */
    long dataEnd() {
      return offset + (count == 0 ? 0 : ends[count - 1]);
    }

    int start(int k) {
      return k == 0 ? 0 : ends[k - 1];
    }
  }

  /** Block size for a chunker: several max-size chunks, at least 4 MiB. */
  static int bufferSize(Chunker chunker) {
    return Math.max(4 << 20, 4 * chunker.maxSize());
  }

  /**
   * Block size for an input of known length: just enough for all of it (so a small file does not
   * cost megabytes of buffer), at most {@link #bufferSize(Chunker)}.
   */
  static int bufferSize(Chunker chunker, long remaining) {
    int full = bufferSize(chunker);
    return remaining < full - 1 ? (int) remaining + 1 : full;
  }

  private final Chunker chunker;
  private final Input input;
  private final int blockSize;
  private final int maxBlocks;
  private final BlockingQueue<Block> pool;
  private int created;
  private byte[] carry = new byte[0];
  private int carryLen;
  private long nextOffset;
  private boolean eof;

  ChunkSource(Chunker chunker, Input input, int bufferSize) {
    this(chunker, input, bufferSize, 1, 0);
  }

  /**
   * @param bufferSize initial block size; a block that turns out too small to hold a max-size chunk
   *     grows to {@link #bufferSize(Chunker)}
   * @param blocks how many blocks may be out at once (1 for a single thread); created on demand
   * @param startOffset the input offset of the first byte {@code input} yields
   */
  ChunkSource(Chunker chunker, Input input, int bufferSize, int blocks, long startOffset) {
    if (bufferSize < 1 || blocks < 1) {
      throw new IllegalArgumentException("bufferSize and blocks must be positive");
    }
    this.chunker = chunker;
    this.input = input;
    this.blockSize = bufferSize;
    this.maxBlocks = blocks;
    this.pool = new ArrayBlockingQueue<>(blocks);
    this.nextOffset = startOffset;
  }

  private Block acquire() throws IOException {
    Block b = pool.poll();
    if (b != null) {
      return b;
    }
    if (created < maxBlocks) {
      created++;
      return new Block(blockSize, chunker.minSize());
    }
    try {
      return pool.take();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted waiting for a chunk buffer");
    }
  }

  /**
   * The next block of whole chunks (and the hole after them, if the input has one there), or null
   * at the end of the input. Waits for a block to be released if all are out.
   */
  Block next() throws IOException {
    if (eof && carryLen == 0) {
      return null;
    }
    Block b = acquire();
    if (b.buf.length < carryLen + 1) {
      b.resize(Math.max(bufferSize(chunker), carryLen + 1), chunker.minSize());
    }
    System.arraycopy(carry, 0, b.buf, 0, carryLen);
    int filled = carryLen;
    int max = chunker.maxSize();
    int start = 0;
    int count = 0;
    // A hole ends the run of data like the end of the input does, for this block.
    boolean hole = false;
    while (true) {
      byte[] buf = b.buf;
      while (filled < buf.length && !eof && !hole) {
        int n = input.read(buf, filled, buf.length - filled);
        if (n == Input.HOLE) {
          hole = true;
        } else if (n < 0) {
          eof = true;
        } else {
          filled += n;
        }
      }
      int[] ends = b.ends;
      while (true) {
        int avail = filled - start;
        if (avail == 0 || (!eof && !hole && avail < max)) {
          break;
        }
        start += chunker.cutLength(buf, start, avail);
        ends[count++] = start;
      }
      if (count > 0 || eof || hole) {
        break;
      }
      // The input is longer than this block was sized for: grow it to hold max-size chunks.
      b.resize(bufferSize(chunker), chunker.minSize());
    }
    carryLen = filled - start;
    if (carry.length < carryLen) {
      carry = new byte[Math.max(carryLen, max)];
    }
    System.arraycopy(b.buf, start, carry, 0, carryLen);
    b.count = count;
    b.offset = nextOffset;
    b.hole = hole ? input.takeHole() : 0;
    if (b.hole < 0) {
      throw new IllegalStateException("a hole of " + b.hole + " bytes");
    }
    nextOffset += start + b.hole;
    if (count == 0 && b.hole == 0) {
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
