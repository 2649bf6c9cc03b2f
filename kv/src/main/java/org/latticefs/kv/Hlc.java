package org.latticefs.kv;

/**
 * A hybrid logical clock timestamp: 48 bits of wall-clock milliseconds since the Unix epoch and a
 * 16-bit logical counter, packed into one long so that numeric order is causal order.
 */
public record Hlc(long physicalMillis, int counter) implements Comparable<Hlc> {
  public static final long MAX_PHYSICAL = (1L << 48) - 1;
  public static final int MAX_COUNTER = 0xffff;
  public static final Hlc ZERO = new Hlc(0, 0);

  public Hlc {
    if (physicalMillis < 0 || physicalMillis > MAX_PHYSICAL) {
      throw new IllegalArgumentException("HLC millis out of range: " + physicalMillis);
    }
    if (counter < 0 || counter > MAX_COUNTER) {
      throw new IllegalArgumentException("HLC counter out of range: " + counter);
    }
  }

  /** The packed form: millis in the top 48 bits, counter in the low 16. */
  public long packed() {
    return physicalMillis << 16 | counter;
  }

  public static Hlc unpack(long packed) {
    return new Hlc(packed >>> 16, (int) (packed & 0xffff));
  }

  @Override
  public int compareTo(Hlc o) {
    return Long.compareUnsigned(packed(), o.packed());
  }

  @Override
  public String toString() {
    return physicalMillis + "." + counter;
  }
}
