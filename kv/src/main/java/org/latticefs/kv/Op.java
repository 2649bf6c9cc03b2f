package org.latticefs.kv;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * One operation in a log entry. The operations of one entry apply atomically, in order.
 *
 * <p>Keys are byte strings starting with {@code /}, held as the strings {@link KeyBytes} maps them
 * to; values are opaque bytes. Each operation is {@link Applyable}: its effect on the state is
 * defined by the operation itself, through a {@link StateContext}, so further kinds (the WASM
 * {@code Instruction}) slot in beside these without a switch in the store.
 */
public sealed interface Op extends Applyable permits Op.Put, Op.Delete {
  /** Longest key accepted, in bytes ({@link KeyBytes#encode}). */
  int MAX_KEY_BYTES = 4096;

  /** The key this operation touches. */
  String key();

  /**
   * Checks that {@code key} is a valid key: starts with {@code /}, no NUL, canonical in the {@link
   * KeyBytes} sense (no lone surrogate other than a byte escape, no escapes that spell a
   * character), and at most {@link #MAX_KEY_BYTES} bytes encoded.
   *
   * @return a reason why it is not valid, or null if it is
   */
  static String invalidKeyReason(String key) {
    if (key == null || key.isEmpty() || key.charAt(0) != '/') {
      return "a key starts with '/'";
    }
    if (key.indexOf('\0') >= 0) {
      return "a key contains no NUL character";
    }
    String why = KeyBytes.invalidReason(key);
    if (why != null) {
      return "a key is a canonical byte string (" + why + ")";
    }
    if (KeyBytes.encodedLength(key) > MAX_KEY_BYTES) {
      return "a key is at most " + MAX_KEY_BYTES + " bytes";
    }
    return null;
  }

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
    public void applyTo(StateContext state) throws KvException {
      state.put(key, value);
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
  record Delete(String key) implements Op {
    @Override
    public void applyTo(StateContext state) throws KvException {
      state.delete(key);
    }
  }
}
