package org.latticefs.cas;

import java.io.IOException;
import java.io.InputStream;

/**
 * Stores blobs.
 *
 * <p>Receiving content that is already stored is a cheap no-op that returns the same ref. When a
 * receive method returns, the blob is durable (it survives a crash of the process or the machine).
 * Implementations are safe for concurrent use, including concurrent receives of the same content.
 */
public interface BlobReceiver {
  /** Stores {@code data[off, off+len)} and returns its ref. */
  BlobRef receive(byte[] data, int off, int len) throws IOException;

  /** Stores all of {@code data} and returns its ref. */
  default BlobRef receive(byte[] data) throws IOException {
    return receive(data, 0, data.length);
  }

  /**
   * Stores everything {@code in} yields, until end of stream, and returns its ref. The caller
   * closes {@code in}.
   */
  BlobRef receive(InputStream in) throws IOException;

  /**
   * Starts a batch of receives made durable together by {@link BlobBatch#commit()}. The default
   * makes each receive durable on its own; stores where syncing is costly override it.
   */
  default BlobBatch newBatch() {
    return new BlobBatch() {
      @Override
      public BlobRef receive(byte[] data, int off, int len) throws IOException {
        return BlobReceiver.this.receive(data, off, len);
      }

      @Override
      public void commit() {}

      @Override
      public void close() {}
    };
  }
}
