package org.latticefs.kv.store;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.latticefs.kv.KvException;

/**
 * Waiting for a condition that nothing signals, with a deadline: the one place kv's tests poll
 * (everything else waits on latches or monitors). A condition that does not hold by the deadline
 * fails the test with {@code what}.
 */
final class Poll {
  private Poll() {}

  /** A condition read from a store. */
  @FunctionalInterface
  interface Condition {
    boolean holds() throws KvException;
  }

  static void until(Duration deadline, Condition condition, String what) throws KvException {
    long end = System.nanoTime() + deadline.toNanos();
    long pause = 1_000_000;
    while (!condition.holds()) {
      if (System.nanoTime() > end) {
        throw new AssertionError("not within " + deadline + ": " + what);
      }
      LockSupport.parkNanos(pause);
      pause = Math.min(pause * 2, 50_000_000);
    }
  }
}
