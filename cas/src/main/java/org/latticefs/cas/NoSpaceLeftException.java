package org.latticefs.cas;

import java.io.IOException;

/**
 * The disk under a store filled up while storing a blob. Nothing partial was left behind: the
 * temporary file was deleted and no blob appeared under a real name. Callers map it to {@code
 * ENOSPC}.
 */
public class NoSpaceLeftException extends IOException {
  public NoSpaceLeftException(String message, Throwable cause) {
    super(message, cause);
  }

  /** Whether {@code e} is the operating system's "no space left on device" (ENOSPC) or quota. */
  public static boolean isNoSpace(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String m = t.getMessage();
      if (m != null
          && (m.contains("No space left on device") || m.contains("Disk quota exceeded"))) {
        return true;
      }
    }
    return false;
  }
}
