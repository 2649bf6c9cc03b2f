package org.latticefs.mesh.peer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;

class BackoffTest {
  @Property(tries = 200)
  void delaysGrowFromTheBaseAndStayInTheUpperHalfOfTheirCeiling(@ForAll long seed) {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(seed));
    long ceiling = 1000;
    for (int i = 0; i < 50; i++) {
      long d = b.failed().toMillis();
      assertTrue(
          d >= ceiling / 2 && d <= ceiling, "attempt " + i + ": " + d + " ms, ceiling " + ceiling);
      ceiling = Math.min(ceiling * 2, 30_000);
    }
  }

  @Property(tries = 100)
  void aPeerGoneForLongIsTriedAtMostFourTimesAMinute(@ForAll long seed) {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(seed));
    for (int i = 0; i < 10; i++) {
      b.failed();
    }
    long minute = 0;
    int attempts = 0;
    while (minute < 60_000) {
      minute += b.failed().toMillis();
      attempts++;
    }
    assertTrue(attempts <= 4, attempts + " attempts in a minute");
  }

  @Property(tries = 50)
  void successStartsOver(@ForAll long seed) {
    Backoff b = new Backoff(Duration.ofSeconds(1), Duration.ofSeconds(30), new Random(seed));
    for (int i = 0; i < 10; i++) {
      b.failed();
    }
    b.succeeded();
    assertEquals(0, b.failures());
    assertTrue(b.failed().toMillis() <= 1000);
  }
}
