package org.latticefs.kv.store;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;

/** A wall clock tests move by hand. */
final class FakeTime implements InstantSource {
  static final Instant START = Instant.parse("2026-01-01T00:00:00Z");
  private final AtomicReference<Instant> now = new AtomicReference<>(START);

  @Override
  public Instant instant() {
    return now.get();
  }

  void advance(Duration d) {
    now.updateAndGet(i -> i.plus(d));
  }

  long millis(long offset) {
    return now.get().toEpochMilli() + offset;
  }
}
