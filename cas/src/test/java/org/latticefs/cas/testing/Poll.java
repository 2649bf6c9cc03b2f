package org.latticefs.cas.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that another thread (or the garbage collector) makes true, checking it
 * about every millisecond until a deadline: for events that have no latch to wait on. The deadline
 * is a bound for a broken build, never a timing expectation: a healthy run meets the condition long
 * before it.
 */
public final class Poll {
  private Poll() {}

  /** Returns once {@code condition} holds; fails the test with {@code what} at the deadline. */
  public static void until(BooleanSupplier condition, Duration deadline, Supplier<String> what) {
    until(condition, deadline, () -> {}, what);
  }

  /**
   * Like {@link #until(BooleanSupplier, Duration, Supplier)}, running {@code between} before each
   * new check (e.g. {@code System::gc}).
   */
  public static void until(
      BooleanSupplier condition, Duration deadline, Runnable between, Supplier<String> what) {
    long end = System.nanoTime() + deadline.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - end > 0) {
        fail("not within " + deadline + ": " + what.get());
      }
      between.run();
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
    }
  }
}
