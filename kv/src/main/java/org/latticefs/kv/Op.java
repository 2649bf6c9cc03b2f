package org.latticefs.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One operation in a log entry. The operations of one entry apply atomically, in order.
 *
 * <p>Keys are UTF-8 strings starting with {@code /}; values are opaque bytes.
 */
public sealed interface Op permits Op.Put, Op.Delete {
  /** The key this operation touches. */
  String key();

  /** Sets {@code key} to {@code value}. */
  record Put(String key, byte[] value) implements Op {
    public Put {
      value = value.clone();
    }

    public static Put utf8(String key, String value) {
      return new Put(key, value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public byte[] value() {
      return value.clone();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Put p && key.equals(p.key) && Arrays.equals(value, p.value);
    }

    @Override
    public int hashCode() {
      return key.hashCode() * 31 + Arrays.hashCode(value);
    }

    @Override
    public String toString() {
      return "Put[" + key + ", " + value.length + " bytes]";
    }
  }

  /** Removes {@code key} (a tombstone head). */
  record Delete(String key) implements Op {}
}
