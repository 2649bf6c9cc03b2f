package org.latticefs.cas;

import java.io.IOException;
import java.io.InputStream;

/**
 * Stores blobs.
 *
 * <p>The ref of a blob is computed by the receiver from the bytes; the caller never names it.
 * Receiving content that is already stored is a cheap no-op that returns the same ref. When a
 * receive method returns, the blob is durable (it survives a crash of the process or the machine)
 * and readable; when it throws, nothing partial is visible under the ref (a disk store throws
 * {@code NoSpaceLeftException}, an {@link IOException}, when its disk is full). Implementations are
 * safe for concurrent use, including concurrent receives of the same content.
 */
public interface BlobReceiver {
  /** Stores {@code data[off, off+len)} and returns its ref. */
  BlobRef receive(byte[] data, int off, int len) throws IOException;

  /** Stores all of {@code data} and returns its ref. */
  default BlobRef receive(byte[] data) throws IOException {
    return receive(data, 0, data.length);
  }

  /**
   * Stores everything {@code in} yields, until end of stream, and returns its ref. Implementations
   * stream: a blob of any size is not held in memory. The caller closes {@code in}; an exception
   * from {@code in} is passed on and stores nothing.
   */
  BlobRef receive(InputStream in) throws IOException;

  /**
   * Starts a batch of receives made durable together by {@link BlobBatch#commit()}. The default
   * makes each receive durable and visible on its own; stores where syncing is costly override it.
   * The caller closes the batch.
   */
  default BlobBatch newBatch() {
    return new BlobBatch() {
      private boolean closed;

      @Override
      public BlobRef receive(byte[] data, int off, int len) throws IOException {
        if (closed) {
          throw new IllegalStateException("batch is closed");
        }
        return BlobReceiver.this.receive(data, off, len);
      }

      @Override
      public void commit() {
        if (closed) {
          throw new IllegalStateException("batch is closed");
        }
      }

      @Override
      public void close() {
        closed = true;
      }
    };
  }
}
