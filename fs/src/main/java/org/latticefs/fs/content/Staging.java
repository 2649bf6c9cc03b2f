package org.latticefs.fs.content;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes an open file was written since its last commit, at their own offsets: in memory while
 * every write ends below {@link #MEMORY_LIMIT}, in a sparse file at {@code path} from the first
 * write past it (or when the filesystem's in-memory budget, {@link Budget}, {@code
 * FsConfig.stagingMemoryBytes}, is spent).
 *
 * <p>Most files people write are small and are written once: for them the staging file's create,
 * truncate and unlink were a large part of the cost of a create (BENCHMARKS.md, "Small files stage
 * in memory"). Neither form is durable: the commit at flush, fsync or close is what survives a
 * crash.
 *
 * <p>Only the ranges the caller recorded as written are meaningful; other bytes read as whatever
 * was there (zeros, or older writes). Not thread-safe: the owner's data lock guards it.
 */
final class Staging implements Closeable {
  /** Writes ending at or below this many bytes stay in memory. */
  static final int MEMORY_LIMIT = 64 * 1024;

  /** The memory the stagings of one filesystem share. Thread-safe. */
  static final class Budget {
    private final long limit;
    private final AtomicLong used = new AtomicLong();

    Budget(long limit) {
      this.limit = limit;
    }

    /** Bytes held in memory by the stagings that share this budget. */
    long used() {
      return used.get();
    }

    /** Takes {@code n} more bytes; false (and nothing taken) if that would pass the limit. */
    boolean take(long n) {
      if (used.addAndGet(n) > limit) {
        used.addAndGet(-n);
        return false;
      }
      return true;
    }

    void give(long n) {
      used.addAndGet(-n);
    }
  }

  private final Path path;
  private final Budget budget;
  private byte[] memory;
  private int memoryEnd; // the end of the furthest in-memory write
  private FileChannel file;

  Staging(Path path, Budget budget) {
    this.path = path;
    this.budget = budget;
  }

  /** Whether the bytes live in the file (from the first write past the memory limit on). */
  boolean inFile() {
    return file != null;
  }

  /** Writes all of {@code src} at {@code pos}. */
  void write(ByteBuffer src, long pos) throws IOException {
    long end = pos + src.remaining();
    if (file == null && end <= MEMORY_LIMIT && reserve((int) end)) {
      src.get(memory, (int) pos, src.remaining());
      memoryEnd = Math.max(memoryEnd, (int) end);
      return;
    }
    FileChannel ch = spill();
    long p = pos;
    while (src.hasRemaining()) {
      p += ch.write(src, p);
    }
  }

  /** Reads {@code n} bytes at {@code pos} into {@code dst}; past the end they read as zeros. */
  void read(long pos, ByteBuffer dst, int n) throws IOException {
    if (file == null) {
      int have = memory == null ? 0 : (int) Math.max(0, Math.min(n, memory.length - pos));
      if (have > 0) {
        dst.put(memory, (int) pos, have);
      }
      Zeros.fill(dst, n - have);
      return;
    }
    int lim = dst.limit();
    dst.limit(dst.position() + n);
    try {
      long q = pos;
      while (dst.hasRemaining()) {
        int got = file.read(dst, q);
        if (got < 0) {
          Zeros.fill(dst, dst.remaining());
          break;
        }
        q += got;
      }
    } finally {
      dst.limit(lim);
    }
  }

  /** Drops everything at or past {@code size}. */
  void truncate(long size) throws IOException {
    if (file != null) {
      file.truncate(size);
    } else if (size < memoryEnd) {
      Arrays.fill(memory, (int) size, memoryEnd, (byte) 0);
      memoryEnd = (int) size;
    }
  }

  /**
   * The staging file holding every byte written so far, for a reader of its own (the background
   * ingest); moves the bytes out of memory first if they are still there.
   */
  Path file() throws IOException {
    spill();
    return path;
  }

  /**
   * Moves every byte written so far into a file at {@code target} (the staging file renamed, after
   * in-memory bytes are written to it) and forgets it: the staging is empty afterwards and closing
   * it deletes nothing.
   */
  void moveTo(Path target) throws IOException {
    spill();
    file.force(false);
    file.close();
    file = null;
    Files.move(path, target);
  }

  /** Releases the memory and deletes the file, if one was made. */
  @Override
  public void close() throws IOException {
    release();
    if (file != null) {
      file.close();
      file = null;
      Files.deleteIfExists(path);
    }
  }

  /** Makes room in memory for {@code end} bytes; false if the budget does not allow it. */
  private boolean reserve(int end) {
    int have = memory == null ? 0 : memory.length;
    if (end <= have) {
      return true;
    }
    int want = Math.min(MEMORY_LIMIT, Math.max(4096, Integer.highestOneBit(end - 1) << 1));
    if (!budget.take(want - have)) {
      return false;
    }
    memory = memory == null ? new byte[want] : Arrays.copyOf(memory, want);
    return true;
  }

  private void release() {
    if (memory != null) {
      budget.give(memory.length);
      memory = null;
      memoryEnd = 0;
    }
  }

  /** The file, created and filled with the in-memory bytes if it is not there yet. */
  private FileChannel spill() throws IOException {
    if (file == null) {
      FileChannel ch =
          FileChannel.open(
              path,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE,
              StandardOpenOption.SPARSE);
      try {
        if (memoryEnd > 0) {
          ByteBuffer b = ByteBuffer.wrap(memory, 0, memoryEnd);
          long p = 0;
          while (b.hasRemaining()) {
            p += ch.write(b, p);
          }
        }
      } catch (IOException | RuntimeException e) {
        try (ch) {
          Files.deleteIfExists(path);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
        throw e;
      }
      file = ch;
      release();
    }
    return file;
  }
}
