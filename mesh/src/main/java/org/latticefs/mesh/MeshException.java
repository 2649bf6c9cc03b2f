package org.latticefs.mesh;

/**
 * A mesh operation failed. {@link #retryable()} says whether trying again later may succeed (the
 * peer was unreachable, the connection dropped) or not (the invite was refused, the key is
 * revoked): restic's distinction between temporary and permanent backend errors.
 */
public class MeshException extends java.io.IOException {
  private final boolean retryable;

  public MeshException(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public MeshException(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** Whether the same call may succeed later without anything else changing. */
  public boolean retryable() {
    return retryable;
  }
}
