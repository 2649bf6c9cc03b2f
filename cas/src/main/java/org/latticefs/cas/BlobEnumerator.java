package org.latticefs.cas;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Lists the blobs present, in ref order, in resumable pages. */
public interface BlobEnumerator {
  /**
   * Returns up to {@code limit} blobs with refs strictly greater than {@code after} (or from the
   * smallest, if empty), in ascending {@link BlobRef} order. An empty list means there are no more.
   * Blobs added or removed concurrently may or may not appear.
   */
  List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) throws IOException;
}
