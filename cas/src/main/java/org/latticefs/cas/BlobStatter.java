package org.latticefs.cas;

import java.io.IOException;
import java.util.Optional;

/** Asks whether blobs are present, without reading them. Safe for concurrent use. */
public interface BlobStatter {
  /**
   * The blob's size if it is present here, empty if it is not. Does not read or verify the content
   * (a corrupt blob is reported present until a fetch finds it out) and is not an access.
   */
  Optional<BlobInfo> stat(BlobRef ref) throws IOException;
}
