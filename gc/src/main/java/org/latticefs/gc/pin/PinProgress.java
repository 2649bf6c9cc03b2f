package org.latticefs.gc.pin;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How far the reconciler got with one pin in this process: counted as its walk goes, read by {@code
 * pin ls}. Thread-safe (one writer, any readers).
 */
final class PinProgress {
  private final AtomicLong blobs = new AtomicLong();
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong fetchedBytes = new AtomicLong();
  private final AtomicLong missing = new AtomicLong();
  private volatile boolean cancelled;
  private volatile String phase = "queued";
  private volatile List<String> problems = List.of();
  private volatile long doneBlobs = -1;
  private volatile long doneBytes = -1;
  private volatile long doneMissing;

  /** A blob of the pin found here. */
  void present(long size) {
    blobs.incrementAndGet();
    bytes.addAndGet(size);
  }

  /** A blob of the pin fetched and stored here. */
  void fetched(long size) {
    blobs.incrementAndGet();
    bytes.addAndGet(size);
    fetchedBytes.addAndGet(size);
  }

  /** A blob of the pin that could not be had. */
  void missing() {
    missing.incrementAndGet();
  }

  /** A new walk starts: the counts of the last finished one stay visible until it ends. */
  void start() {
    blobs.set(0);
    bytes.set(0);
    missing.set(0);
    phase = "walking";
  }

  /** The walk ended (whole or not). */
  void finish(List<String> why) {
    doneBlobs = blobs.get();
    doneBytes = bytes.get();
    doneMissing = missing.get();
    problems = List.copyOf(why);
    phase = doneMissing == 0 && why.isEmpty() ? "complete" : "incomplete";
  }

  void failed(String why) {
    problems = List.of(why);
    phase = "failed";
  }

  void cancel() {
    cancelled = true;
  }

  /** Whether the last walk found everything. */
  boolean isComplete() {
    return phase.equals("complete");
  }

  boolean cancelled() {
    return cancelled;
  }

  PinStatus status(Pin pin) {
    boolean walking = phase.equals("walking");
    return new PinStatus(
        pin.target(),
        pin.state(),
        phase,
        walking ? blobs.get() : doneBlobs,
        walking ? bytes.get() : doneBytes,
        fetchedBytes.get(),
        walking ? missing.get() : doneMissing,
        problems);
  }
}
