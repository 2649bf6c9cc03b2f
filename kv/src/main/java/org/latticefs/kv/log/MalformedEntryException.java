package org.latticefs.kv.log;

import org.latticefs.kv.KvException;

/**
 * Bytes that are not a valid encoding of an {@link Entry} or {@link SignedEntry}: truncated,
 * trailing bytes, over a size limit, unknown version, non-canonical order. The message says what
 * and where; the bytes are never partially accepted.
 */
public final class MalformedEntryException extends KvException {
  public MalformedEntryException(String message) {
    super(message);
  }

  public MalformedEntryException(String message, Throwable cause) {
    super(message, cause);
  }
}
