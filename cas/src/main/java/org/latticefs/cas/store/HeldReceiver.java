package org.latticefs.cas.store;

import java.io.IOException;
import java.io.InputStream;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;

/**
 * Receives blobs into a disk store, each ref held by one {@link Hold} before the store looks for a
 * copy already present, or without a hold ({@code hold} null): what {@link DiskBlobStore}'s own
 * receives and its holds' receivers are.
 *
 * <p>Every call passes the store's {@link StoreGate}, so it fails once the store is closed. Safe
 * for concurrent use, as the store is.
 */
final class HeldReceiver implements BlobReceiver {
  private final BlobWriter writer;
  private final StoreGate gate;
  private final DiskBatch.Shared batches;
  private final Hold hold;

  HeldReceiver(BlobWriter writer, StoreGate gate, DiskBatch.Shared batches, Hold hold) {
    this.writer = writer;
    this.gate = gate;
    this.batches = batches;
    this.hold = hold;
  }

  @Override
  public BlobRef receive(byte[] data, int off, int len) throws IOException {
    return gate.run(() -> writer.receive(data, off, len, hold));
  }

  @Override
  public BlobRef receive(InputStream in) throws IOException {
    return gate.run(() -> writer.receive(in, hold));
  }

  /**
   * A batch of the store's (see {@link DiskBatch}); throws {@link IllegalStateException} once
   * closed.
   */
  @Override
  public BlobBatch newBatch() {
    try {
      gate.checkOpen();
    } catch (IOException e) {
      throw new IllegalStateException(e.getMessage(), e);
    }
    return new DiskBatch(batches, hold);
  }
}
