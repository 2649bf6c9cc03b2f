package org.latticefs.kv;

/**
 * A failure of the kv layer: I/O on the logs, a storage-engine failure, a closed store. Engine
 * exceptions (e.g. Xodus's) are wrapped in this and never leak out of kv.
 */
public class KvException extends java.io.IOException {
  public KvException(String message) {
    super(message);
  }

  public KvException(String message, Throwable cause) {
    super(message, cause);
  }
}
