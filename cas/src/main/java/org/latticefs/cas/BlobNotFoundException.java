package org.latticefs.cas;

import java.io.IOException;

/** The blob is not present where it was asked for. */
public class BlobNotFoundException extends IOException {
  private final BlobRef ref;

  public BlobNotFoundException(BlobRef ref) {
    super("blob not found: " + ref);
    this.ref = ref;
  }

  public BlobRef ref() {
    return ref;
  }
}
