package org.latticefs.fs.core;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;

/** A clock that stands still until a test moves it (starts at the real time of its creation). */
final class MutableClock implements InstantSource {
  private volatile Instant now = Instant.now();

  @Override
  public Instant instant() {
    return now;
  }

  void advance(Duration d) {
    now = now.plus(d);
  }
}
