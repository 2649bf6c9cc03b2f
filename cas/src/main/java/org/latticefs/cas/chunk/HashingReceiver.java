package org.latticefs.cas.chunk;

import java.io.IOException;
import java.io.InputStream;
import org.latticefs.cas.BlobReceiver;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

/** A receiver that computes refs and stores nothing (for {@link FileIngester#hashOnly}). */
final class HashingReceiver implements BlobReceiver {
  @Override
  public BlobRef receive(byte[] data, int off, int len) {
    return Blake3.hash(data, off, len);
  }

  @Override
  public BlobRef receive(InputStream in) throws IOException {
    try (var h = Blake3.newHasher()) {
      byte[] buf = new byte[64 * 1024];
      for (int n = in.read(buf); n >= 0; n = in.read(buf)) {
        h.update(buf, 0, n);
      }
      return h.finish();
    }
  }
}
