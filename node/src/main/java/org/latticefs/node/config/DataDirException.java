package org.latticefs.node.config;

import java.io.IOException;

/**
 * A data directory Lattice must not use as it is (owned by another user, a symbolic link where it
 * keeps its own entries, a format newer than this build): the message says what and what to do.
 * Nothing was changed.
 */
public final class DataDirException extends IOException {
  public DataDirException(String message) {
    super(message);
  }

  public DataDirException(String message, Throwable cause) {
    super(message, cause);
  }
}
