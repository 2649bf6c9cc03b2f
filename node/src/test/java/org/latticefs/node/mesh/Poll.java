package org.latticefs.node.mesh;

import java.time.Duration;
import java.util.concurrent.Callable;

/**
 * Waits for a condition other threads or processes make true, failing with {@code what} after a
 * generous deadline. It asserts the outcome, never how long it took.
 */
final class Poll {
  static final Duration DEADLINE = Duration.ofSeconds(60);

  private Poll() {}

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
      Thread.sleep(25);
    }
    AssertionError e =
        new AssertionError("not true within " + DEADLINE.toSeconds() + " s: " + what);
    if (last != null) {
      e.initCause(last);
    }
    throw e;
  }
}
