package org.latticefs.cas.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Waits for a condition that another thread, process or node (or the garbage collector) makes true,
 * checking it until a deadline: for events that have no latch to wait on. Shared by every module's
 * tests through lattice-cas's test-jar. The deadline is a bound for a broken build, never a timing
 * expectation: a healthy run meets the condition long before it.
 */
public final class Poll {
  /** The deadline of {@link #until(String, Callable)}: generous, for real connections and disks. */
  public static final Duration GENEROUS = Duration.ofSeconds(60);

  private Poll() {}

  /**
   * Returns once {@code condition} returns true, checking it about every 20 ms; an exception it
   * throws counts as "not yet" (the condition may read what another thread or process is still
   * making). Fails the test with {@code what} after {@link #GENEROUS}, the last exception as cause.
   */
  public static void until(String what, Callable<Boolean> condition) throws InterruptedException {
    long end = System.nanoTime() + GENEROUS.toNanos();
    Exception last = null;
    while (System.nanoTime() - end < 0) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(20);
    }
    throw new AssertionError("not true within " + GENEROUS.toSeconds() + " s: " + what, last);
  }

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
