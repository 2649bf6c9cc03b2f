package org.latticefs.gc.pin;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

/** How a node keeps one store (the value of {@code /nodes/{node}/stores/{uuid}/mode}). */
public enum StoreMode {
  /** Everything of the store is kept here; nothing of it is evictable. The default. */
  FULL("full"),
  /** Files are visible, their bytes fetched on first read and kept as cache (evictable). */
  ON_DEMAND("on-demand");

  private final String text;

  StoreMode(String text) {
    this.text = text;
  }

  public String text() {
    return text;
  }

  public byte[] bytes() {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** The mode {@code text} names; empty for anything else. */
  public static Optional<StoreMode> parse(String text) {
    for (StoreMode m : values()) {
      if (m.text.equals(text)) {
        return Optional.of(m);
      }
    }
    return Optional.empty();
  }
}
