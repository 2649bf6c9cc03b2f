package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

class HybridClockTest {
  private static final long DRIFT = 60_000;
  private static final long START = 1_700_000_000_000L;

  /** A wall clock tests move by hand. */
  static final class FakeWall implements InstantSource {
    long millis;

    FakeWall(long millis) {
      this.millis = millis;
    }

    @Override
    public Instant instant() {
      return Instant.ofEpochMilli(millis);
    }
  }

  /**
   * One step: jump the wall clock by {@code jump} ms (backwards too), then call now(), or receive()
   * a remote timestamp at {@code remoteOffset} ms from the wall (possibly beyond the drift).
   */
  record Step(long jump, boolean receive, long remoteOffset, int remoteCounter) {}

  @Provide
  Arbitrary<List<Step>> steps() {
    Arbitrary<Long> jumps =
        Arbitraries.oneOf(
            Arbitraries.just(0L),
            Arbitraries.longs().between(-3, 3),
            Arbitraries.longs().between(-10_000_000, 10_000_000));
    Arbitrary<Long> offsets =
        Arbitraries.oneOf(
            Arbitraries.longs().between(-5, 5),
            Arbitraries.longs().between(-DRIFT * 3, DRIFT * 3),
            Arbitraries.just(DRIFT),
            Arbitraries.just(DRIFT + 1));
    Arbitrary<Integer> counters =
        Arbitraries.oneOf(
            Arbitraries.integers().between(0, 3),
            Arbitraries.integers().between(Hlc.MAX_COUNTER - 2, Hlc.MAX_COUNTER));
    return Combinators.combine(jumps, Arbitraries.of(true, false), offsets, counters)
        .as(Step::new)
        .list()
        .ofMaxSize(300);
  }

  @Property(tries = 300)
  void monotonicUnderClockJumpsAndReceives(@ForAll("steps") List<Step> steps) {
    FakeWall wall = new FakeWall(START);
    HybridClock clock = new HybridClock(wall, Duration.ofMillis(DRIFT));
    Hlc high = Hlc.ZERO;
    for (Step s : steps) {
      wall.millis = Math.max(0, wall.millis + s.jump());
      if (s.receive()) {
        Hlc remote = new Hlc(Math.max(0, wall.millis + s.remoteOffset()), s.remoteCounter());
        Hlc before = clock.last();
        Hlc got;
        try {
          got = clock.receive(remote);
        } catch (HlcException e) {
          assertTrue(remote.physicalMillis() - wall.millis > DRIFT, e.getMessage());
          assertEquals(before, clock.last(), "a rejected receive must not move the clock");
          continue;
        }
        assertTrue(remote.physicalMillis() - wall.millis <= DRIFT);
        assertTrue(got.compareTo(remote) > 0, got + " not after remote " + remote);
        assertTrue(got.compareTo(high) > 0, got + " not after " + high);
        high = got;
      } else {
        Hlc got = clock.now();
        assertTrue(got.compareTo(high) > 0, got + " not after " + high);
        assertTrue(got.physicalMillis() >= wall.millis, "never behind the wall clock");
        high = got;
      }
      assertEquals(high, clock.last());
    }
  }

  @Test
  void followsTheWallClockWhenItMovesForward() {
    FakeWall wall = new FakeWall(START);
    HybridClock clock = new HybridClock(wall);
    assertEquals(new Hlc(START, 0), clock.now());
    assertEquals(new Hlc(START, 1), clock.now());
    wall.millis += 5;
    assertEquals(new Hlc(START + 5, 0), clock.now());
    wall.millis -= 1000;
    assertEquals(new Hlc(START + 5, 1), clock.now());
  }

  @Test
  void farFutureRemoteIsRejectedAndClockUntouched() throws Exception {
    FakeWall wall = new FakeWall(START);
    HybridClock clock = new HybridClock(wall, Duration.ofSeconds(60));
    Hlc t = clock.now();
    Hlc far = new Hlc(START + 60_001, 0);
    HlcException e = assertThrows(HlcException.class, () -> clock.receive(far));
    assertEquals(far, e.remote());
    assertEquals(START, e.localWallMillis());
    assertTrue(e.getMessage().contains("60001 ms ahead"), e.getMessage());
    assertEquals(t, clock.last());
    assertEquals(new Hlc(START, 1), clock.now());
    Hlc edge = new Hlc(START + 60_000, 7);
    assertEquals(new Hlc(START + 60_000, 8), clock.receive(edge));
    assertEquals(new Hlc(START + 60_000, 9), clock.now());
    assertThrows(HlcException.class, () -> clock.receive(new Hlc(Hlc.MAX_PHYSICAL, 0)));
  }

  @Test
  void counterOverflowBumpsMillis() throws Exception {
    FakeWall wall = new FakeWall(START);
    HybridClock clock = new HybridClock(wall);
    Hlc prev = clock.now();
    for (int i = 0; i < Hlc.MAX_COUNTER; i++) {
      Hlc next = clock.now();
      assertTrue(next.compareTo(prev) > 0);
      prev = next;
    }
    assertEquals(new Hlc(START, Hlc.MAX_COUNTER), prev);
    assertEquals(new Hlc(START + 1, 0), clock.now());
    // A remote at the counter's top also rolls over.
    wall.millis = START + 10;
    assertEquals(new Hlc(START + 11, 0), clock.receive(new Hlc(START + 10, Hlc.MAX_COUNTER)));
  }

  @Test
  void wallClockBeforeEpochReadsAsZero() {
    HybridClock clock = new HybridClock(new FakeWall(-5000));
    // Hlc.ZERO is the floor: timestamps are strictly after it.
    assertEquals(new Hlc(0, 1), clock.now());
    assertEquals(new Hlc(0, 2), clock.now());
  }

  @Test
  void concurrentCallersGetUniqueIncreasingTimestamps() throws Exception {
    HybridClock clock = new HybridClock();
    int threads = 4;
    int per = 20_000;
    long[][] seen = new long[threads][per];
    Thread[] ts = new Thread[threads];
    for (int t = 0; t < threads; t++) {
      int me = t;
      ts[t] =
          new Thread(
              () -> {
                for (int i = 0; i < per; i++) {
                  seen[me][i] = clock.now().packed();
                }
              });
      ts[t].start();
    }
    java.util.Set<Long> all = new java.util.HashSet<>();
    for (int t = 0; t < threads; t++) {
      ts[t].join();
      for (int i = 0; i < per; i++) {
        assertTrue(all.add(seen[t][i]), "duplicate timestamp");
        if (i > 0) {
          assertTrue(seen[t][i] > seen[t][i - 1]);
        }
      }
    }
  }
}
