package org.latticefs.gc.pin;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** A pin's state in the root store: the value of its key, as UTF-8 text. */
public enum PinState {
  /** Asked for: the pin reconciler has not yet found every blob of it here. */
  PENDING("pending"),
  /** Every blob of it is here, verified when it was stored or fetched. */
  STORED("stored");

  private final String text;

  PinState(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public byte[] bytes() {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The state a key's value names; empty for anything else (a newer version's value). */
  public static Optional<PinState> parse(byte[] value) {
    String s = new String(value, StandardCharsets.UTF_8);
    for (PinState p : values()) {
      if (p.text.equals(s)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }
}
