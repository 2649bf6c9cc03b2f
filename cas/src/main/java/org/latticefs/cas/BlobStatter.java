package org.latticefs.cas;

import java.io.IOException;
import java.util.Optional;

/** Asks whether blobs are present, without reading them. */
public interface BlobStatter {
  /** The blob's size if it is present here, empty if it is not. Does not verify the content. */
  Optional<BlobInfo> stat(BlobRef ref) throws IOException;
}
