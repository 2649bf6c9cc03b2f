package org.latticefs.fs.content;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;

/**
 * Hands a version's content to cas as a read-only {@link FileChannel} (what cas's ingester reads),
 * without copying it first. Supports positional and sequential reads and {@link #size()}; writing,
 * mapping and locking fail. The content comes from a {@link Source} fixed when the channel is made
 * (a {@link StagedView}, never an open file's live state).
 */
final class ContentChannel extends FileChannel {
  /** Positional reads: the count read, -1 at the end. */
  interface Source {
    int read(long pos, ByteBuffer dst) throws IOException;
  }

  private final Source source;
  private final long size;
  private long position;

  /** A channel of no bytes (the source of an ingest session whose content is all pushed). */
  static ContentChannel empty() {
    return new ContentChannel((pos, dst) -> -1, 0);
  }

  ContentChannel(Source source, long size) {
    this.source = source;
    this.size = size;
  }

  @Override
  public int read(ByteBuffer dst, long pos) throws IOException {
    if (pos >= size) {
      return -1;
    }
    return source.read(pos, dst);
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    int n = read(dst, position);
    if (n > 0) {
      position += n;
    }
    return n;
  }

  @Override
  public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
    long total = 0;
    for (int i = offset; i < offset + length; i++) {
      int n = read(dsts[i]);
      if (n < 0) {
        return total == 0 ? -1 : total;
      }
      total += n;
      if (dsts[i].hasRemaining()) {
        break;
      }
    }
    return total;
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public FileChannel position(long newPosition) {
    position = newPosition;
    return this;
  }

  @Override
  public long size() {
    return size;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) {
    throw new NonWritableChannelException();
  }

  @Override
  public int write(ByteBuffer src, long pos) {
    throw new NonWritableChannelException();
  }

  @Override
  public FileChannel truncate(long newSize) {
    throw new NonWritableChannelException();
  }

  @Override
  public void force(boolean metaData) {}

  @Override
  public long transferTo(long pos, long count, WritableByteChannel target) throws IOException {
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(count, 1 << 16));
    long done = 0;
    while (done < count) {
      buf.clear().limit((int) Math.min(buf.capacity(), count - done));
      int n = read(buf, pos + done);
      if (n <= 0) {
        break;
      }
      buf.flip();
      while (buf.hasRemaining()) {
        target.write(buf);
      }
      done += n;
    }
    return done;
  }

  @Override
  public long transferFrom(ReadableByteChannel src, long pos, long count) {
    throw new NonWritableChannelException();
  }

  @Override
  public MappedByteBuffer map(MapMode mode, long pos, long size) throws IOException {
    throw new IOException("a content view cannot be memory-mapped");
  }

  @Override
  public FileLock lock(long pos, long size, boolean shared) throws IOException {
    throw new IOException("a content view cannot be locked");
  }

  @Override
  public FileLock tryLock(long pos, long size, boolean shared) throws IOException {
    throw new IOException("a content view cannot be locked");
  }

  @Override
  protected void implCloseChannel() {}
}
