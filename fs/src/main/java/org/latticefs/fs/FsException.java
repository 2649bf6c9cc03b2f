package org.latticefs.fs;

import java.io.IOException;

/**
 * An expected failure of a filesystem operation, carrying the errno the caller sees. Anything that
 * is not an {@code FsException} is unexpected: the FUSE layer logs it and returns {@code EIO}.
 *
 * <p>It records no stack trace: it is an answer, not a bug (every create starts with a lookup that
 * fails with ENOENT), and filling in the stack of a FUSE callback would cost more than the answer.
 * A {@link #getCause() cause} keeps its own.
 */
public class FsException extends IOException {
  private final Errno errno;

  public FsException(Errno errno, String message) {
    super(errno + ": " + message);
    this.errno = errno;
  }

  public FsException(Errno errno, String message, Throwable cause) {
    super(errno + ": " + message, cause);
    this.errno = errno;
  }

  public Errno errno() {
    return errno;
  }

  @Override
  public synchronized Throwable fillInStackTrace() {
    return this;
  }
}
