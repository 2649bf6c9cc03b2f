package org.latticefs.kv.state;

import org.latticefs.kv.KvException;

/**
 * The state database cannot be read back as written. The state is derived, so the remedy is to
 * discard it and rebuild it from the logs.
 */
public class CorruptStateException extends KvException {
  public CorruptStateException(String message) {
    super(message);
  }

  public CorruptStateException(String message, Throwable cause) {
    super(message, cause);
  }
}
