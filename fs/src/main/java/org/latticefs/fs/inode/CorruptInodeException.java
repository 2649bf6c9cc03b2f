package org.latticefs.fs.inode;

import java.io.IOException;

/** A value under {@code /inodes/} that is not a valid {@link Inode} encoding. */
public class CorruptInodeException extends IOException {
  public CorruptInodeException(String message) {
    super(message);
  }
}
