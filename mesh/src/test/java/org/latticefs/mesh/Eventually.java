package org.latticefs.mesh;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waits for a condition that another thread makes true (sync over real connections), failing with
 * {@code what} if it is not true by a generous deadline. It asserts the outcome, never a duration.
 */
final class Eventually {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private Eventually() {}

  static void until(String what, Callable<Boolean> condition) throws Exception {
    long end = System.nanoTime() + DEADLINE.toNanos();
    Exception last = null;
    while (System.nanoTime() < end) {
      try {
        if (condition.call()) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(20);
    }
    AssertionError e =
        new AssertionError("not true within " + DEADLINE.toSeconds() + " s: " + what);
    if (last != null) {
      e.initCause(last);
    }
    throw e;
  }
}
