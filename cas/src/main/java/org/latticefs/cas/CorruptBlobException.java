package org.latticefs.cas;

import java.io.IOException;

/** Bytes stored under a ref do not hash to it. The bytes are never handed out as data. */
public class CorruptBlobException extends IOException {
  private final BlobRef ref;

  public CorruptBlobException(BlobRef ref, String detail) {
    super("corrupt blob " + ref + ": " + detail);
    this.ref = ref;
  }

  public BlobRef ref() {
    return ref;
  }
}
