package org.latticefs.cas.chunk;

import java.io.IOException;

/**
 * Bytes that were expected to be a manifest are not a valid one: wrong magic, unknown version,
 * truncated, over a size limit, inconsistent lengths, or a tree whose nodes do not fit together.
 * The content is never partially used.
 */
public class MalformedManifestException extends IOException {
  public MalformedManifestException(String message) {
    super(message);
  }
}
