package org.latticefs.kv;

/** A key and its winning value. */
public record KeyValue(String key, byte[] value) {
  public KeyValue {
    value = value.clone();
  }

  @Override
  public byte[] value() {
    return value.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof KeyValue kv
        && key.equals(kv.key)
        && java.util.Arrays.equals(value, kv.value);
  }

  @Override
  public int hashCode() {
    return key.hashCode();
  }
}
