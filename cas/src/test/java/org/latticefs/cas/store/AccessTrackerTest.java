package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobEnumerator;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;

class AccessTrackerTest {
  @TempDir Path dir;

  /** A clock the test moves by hand. */
  static final class ManualClock implements InstantSource {
    private Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public synchronized Instant instant() {
      return now;
    }

    synchronized void advance(Duration d) {
      now = now.plus(d);
    }
  }

  private final ManualClock clock = new ManualClock();

  private static BlobRef ref(int i) {
    byte[] b = new byte[32];
    new Random(i).nextBytes(b);
    return new BlobRef(b);
  }

  @Test
  void touchRecordsTheTimeToTheSecond() {
    AccessTracker t = AccessTracker.inMemory(clock);
    assertEquals(Optional.empty(), t.lastAccess(ref(1)));
    clock.advance(Duration.ofMillis(1500));
    t.touch(ref(1));
    assertEquals(Optional.of(Instant.parse("2026-01-01T00:00:01Z")), t.lastAccess(ref(1)));
    assertEquals(1, t.size());
  }

  @Test
  void olderTimesNeverMoveAnAccessBack() {
    AccessTracker t = AccessTracker.inMemory(clock);
    t.touch(ref(1));
    t.touch(ref(1), Instant.parse("2025-01-01T00:00:00Z"));
    assertEquals(Optional.of(clock.instant()), t.lastAccess(ref(1)));
    t.touchIfAbsent(ref(1), Instant.parse("2027-01-01T00:00:00Z"));
    assertEquals(Optional.of(clock.instant()), t.lastAccess(ref(1)));
  }

  @Test
  void oldestFirstOrdersByTimeThenRef() throws IOException {
    AccessTracker t = AccessTracker.inMemory(clock);
    t.touch(ref(1));
    clock.advance(Duration.ofSeconds(10));
    t.touch(ref(2));
    t.touch(ref(3));
    clock.advance(Duration.ofSeconds(10));
    t.touch(ref(4));
    t.touch(ref(1));
    List<AccessTracker.Access> all = t.oldestFirst(over(0, 5), 100);
    List<BlobRef> order = all.stream().map(AccessTracker.Access::ref).toList();
    List<BlobRef> mid = new ArrayList<>(List.of(ref(2), ref(3)));
    mid.sort(null);
    List<BlobRef> last = new ArrayList<>(List.of(ref(4), ref(1)));
    last.sort(null);
    assertEquals(List.of(mid.get(0), mid.get(1), last.get(0), last.get(1)), order);
    assertEquals(2, t.oldestFirst(over(0, 5), 2).size());
    assertEquals(List.of(), t.oldestFirst(over(0, 5), 0));
  }

  @Test
  void survivesCloseAndReopen() throws IOException {
    Path file = dir.resolve("access");
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      for (int i = 0; i < 1000; i++) {
        t.touch(ref(i));
        clock.advance(Duration.ofSeconds(1));
      }
      t.forget(ref(7));
    }
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      assertEquals(999, t.size());
      assertEquals(Optional.empty(), t.lastAccess(ref(7)));
      assertEquals(
          Optional.of(Instant.parse("2026-01-01T00:00:00Z").plusSeconds(500)),
          t.lastAccess(ref(500)));
      assertEquals(ref(0), t.oldestFirst(over(0, 1000), 1).get(0).ref());
    }
  }

  @Test
  void flushedTouchesSurviveACrashAndLaterOnesMayBeLost() throws IOException {
    Path file = dir.resolve("access");
    AccessTracker t = AccessTracker.open(file, clock);
    t.touch(ref(1));
    t.snapshot();
    clock.advance(Duration.ofSeconds(5));
    t.touch(ref(2));
    t.touch(ref(1));
    t.flush();
    clock.advance(Duration.ofSeconds(5));
    t.touch(ref(3));
    t.forget(ref(2));
    // Crash: no close, no flush of the last changes. (The journal is append-only.)
    Instant flushedAt = Instant.parse("2026-01-01T00:00:05Z");
    try (AccessTracker again = AccessTracker.open(file, clock)) {
      assertEquals(Optional.of(flushedAt), again.lastAccess(ref(1)));
      assertEquals(Optional.of(flushedAt), again.lastAccess(ref(2)));
      assertEquals(Optional.empty(), again.lastAccess(ref(3)));
    }
  }

  @Test
  void touchesStayInMemoryUntilFlush() throws IOException {
    Path file = dir.resolve("access");
    AccessTracker t = AccessTracker.open(file, clock);
    for (int i = 0; i < 10_000; i++) {
      t.touch(ref(i % 100));
    }
    assertFalse(Files.exists(file), "no snapshot written by touches");
    assertFalse(Files.exists(dir.resolve("access.log")), "no journal written by touches");
    t.flush();
    long journal = Files.size(dir.resolve("access.log"));
    // Coalesced: 100 distinct refs, one entry each (12 bytes) plus the frame's count and CRC,
    // after the journal's 8-byte header.
    assertEquals(8 + 100 * 12 + 8, journal);
    t.flush();
    assertEquals(journal, Files.size(dir.resolve("access.log")), "nothing new to flush");
    t.close();
  }

  @Test
  void forgetIsJournaled() throws IOException {
    Path file = dir.resolve("access");
    AccessTracker t = AccessTracker.open(file, clock);
    t.touch(ref(1));
    t.touch(ref(2));
    t.flush();
    t.forget(ref(1));
    t.flush();
    try (AccessTracker again = AccessTracker.open(file, clock)) {
      assertEquals(Optional.empty(), again.lastAccess(ref(1)));
      assertTrue(again.lastAccess(ref(2)).isPresent());
    }
  }

  @Test
  void forgetThenTouchInOneFlushKeepsTheRef() throws IOException {
    Path file = dir.resolve("access");
    AccessTracker t = AccessTracker.open(file, clock);
    t.touch(ref(1));
    t.touch(ref(2));
    t.flush();
    t.forget(ref(1));
    clock.advance(Duration.ofSeconds(3));
    t.touch(ref(1));
    t.touch(ref(2));
    t.forget(ref(2));
    t.flush();
    // Crash (no close): only the journal tells.
    try (AccessTracker again = AccessTracker.open(file, clock)) {
      assertEquals(Optional.of(clock.instant()), again.lastAccess(ref(1)));
      assertEquals(Optional.empty(), again.lastAccess(ref(2)));
    }
  }

  @Test
  void corruptSnapshotStartsFreshAndIsSetAside() throws IOException {
    Path file = dir.resolve("access");
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      t.touch(ref(1));
    }
    byte[] bytes = Files.readAllBytes(file);
    bytes[12] ^= 1;
    Files.write(file, bytes);
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      assertEquals(0, t.size());
      t.touch(ref(9));
    }
    try (Stream<Path> s = Files.list(dir)) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("access.corrupt-")));
    }
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      assertTrue(t.lastAccess(ref(9)).isPresent());
    }
  }

  /** The table against a HashMap model: random touches, forgets, growth and backward shifts. */
  @Property(tries = 30)
  void behavesLikeAMap(
      @ForAll("seeds") long seed, @ForAll @IntRange(min = 1, max = 3000) int operations)
      throws IOException {
    Random r = new Random(seed);
    AccessTracker t = AccessTracker.inMemory(clock);
    Map<BlobRef, Instant> model = new HashMap<>();
    for (int i = 0; i < operations; i++) {
      BlobRef ref = ref(r.nextInt(500));
      if (r.nextInt(4) == 0) {
        t.forget(ref);
        model.remove(ref);
      } else {
        Instant when = Instant.parse("2026-01-01T00:00:00Z").plusSeconds(r.nextInt(100_000));
        t.touch(ref, when);
        model.merge(ref, when, (a, b) -> a.isAfter(b) ? a : b);
      }
    }
    assertEquals(model.size(), t.size());
    for (Map.Entry<BlobRef, Instant> e : model.entrySet()) {
      assertEquals(Optional.of(e.getValue()), t.lastAccess(e.getKey()));
    }
    List<AccessTracker.Access> sorted = t.oldestFirst(over(0, 500), Integer.MAX_VALUE);
    assertEquals(model.size(), sorted.size());
    for (int i = 1; i < sorted.size(); i++) {
      assertFalse(sorted.get(i).lastAccess().isBefore(sorted.get(i - 1).lastAccess()));
    }
  }

  @net.jqwik.api.Provide
  net.jqwik.api.Arbitrary<Long> seeds() {
    return net.jqwik.api.Arbitraries.longs();
  }

  /** The refs {@code ref(from)} .. {@code ref(to - 1)} as a blob listing. */
  static BlobEnumerator over(int from, int to) {
    java.util.TreeSet<BlobRef> refs = new java.util.TreeSet<>();
    for (int i = from; i < to; i++) {
      refs.add(ref(i));
    }
    return (after, limit) -> {
      List<BlobInfo> out = new ArrayList<>();
      for (BlobRef r : after.isPresent() ? refs.tailSet(after.get(), false) : refs) {
        if (out.size() >= limit) {
          break;
        }
        out.add(new BlobInfo(r, 1));
      }
      return out;
    };
  }

  @Test
  void aDiskTrackerKeepsItsTableOffTheHeapAndLeavesNoScratchFiles() throws IOException {
    Path file = dir.resolve("access");
    try (AccessTracker t = AccessTracker.open(file, clock)) {
      for (int i = 0; i < 100_000; i++) {
        t.touch(ref(i));
      }
      assertEquals(100_000, t.size());
      assertTrue(t.tableBytes() >= 100_000L * 12, "slots: " + t.tableBytes());
      try (Stream<Path> s = Files.list(dir)) {
        assertEquals(List.of(), s.filter(p -> p.toString().endsWith(".slots")).toList());
      }
    }
  }
}
