package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.HashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class LongCountsTest {
  @Test
  void matchesAMapUnderRandomIncrementsAndDecrements() {
    SplittableRandom rnd = new SplittableRandom(42);
    LongCounts counts = new LongCounts();
    Map<Long, Integer> model = new HashMap<>();
    // Few distinct keys, many with colliding slots: exercises probing and backward shifts.
    for (int i = 0; i < 200_000; i++) {
      long key = rnd.nextInt(500) * (1L << 40);
      if (rnd.nextBoolean() || !model.containsKey(key)) {
        counts.increment(key);
        model.merge(key, 1, Integer::sum);
      } else {
        counts.decrement(key);
        model.computeIfPresent(key, (k, n) -> n == 1 ? null : n - 1);
      }
      if (i % 997 == 0) {
        for (long k = 0; k < 500; k++) {
          long key2 = k * (1L << 40);
          assertEquals(model.getOrDefault(key2, 0), counts.get(key2), "key " + k + " at step " + i);
        }
      }
    }
    assertEquals(model.size(), counts.size());
  }

  @Test
  void shrinksBackWhenEmptiedAndRefusesAnUnheldRelease() {
    LongCounts counts = new LongCounts();
    for (long k = 0; k < 10_000; k++) {
      counts.increment(k);
    }
    for (long k = 0; k < 10_000; k++) {
      counts.decrement(k);
    }
    assertEquals(0, counts.size());
    assertEquals(0, counts.get(5));
    assertThrows(IllegalStateException.class, () -> counts.decrement(5));
  }
}
