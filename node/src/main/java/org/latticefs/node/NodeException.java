package org.latticefs.node;

import java.io.IOException;

/**
 * A request the node refused or could not carry out, with a message meant for the user (no stack
 * trace needed): an unknown store, a data directory in use, no daemon running.
 */
public class NodeException extends IOException {
  private final int exitCode;

  public NodeException(String message) {
    this(message, 1, null);
  }

  public NodeException(String message, int exitCode, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** The CLI exit code this failure maps to (1, or 3 for "no daemon running"). */
  public int exitCode() {
    return exitCode;
  }
}
