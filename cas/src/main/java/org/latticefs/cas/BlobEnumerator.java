package org.latticefs.cas;

import java.io.IOException;
import java.util.List;
import java.util.Optional;

/** Lists the blobs present, in ref order, in resumable pages. Safe for concurrent use. */
public interface BlobEnumerator {
  /**
   * Returns up to {@code limit} blobs with refs strictly greater than {@code after} (or from the
   * smallest, if empty), in ascending {@link BlobRef} order. {@code after} need not be present. To
   * page, pass the last ref of the previous page. An empty list means there are no more; a {@code
   * limit} of zero or less returns an empty list. Blobs added or removed concurrently may or may
   * not appear. Sizes are as stored; content is not verified.
   */
  List<BlobInfo> enumerate(Optional<BlobRef> after, int limit) throws IOException;
}
