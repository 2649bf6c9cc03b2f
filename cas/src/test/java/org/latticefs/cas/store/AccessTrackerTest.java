package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
  void tornJournalTailIsIgnored() throws IOException {
    Path file = dir.resolve("access");
    AccessTracker t = AccessTracker.open(file, clock);
    t.touch(ref(1));
    t.flush();
    t.touch(ref(2));
    t.flush();
    Path log = dir.resolve("access.log");
    byte[] full = Files.readAllBytes(log);
    Files.write(log, java.util.Arrays.copyOf(full, full.length - 3));
    try (AccessTracker again = AccessTracker.open(file, clock)) {
      assertTrue(again.lastAccess(ref(1)).isPresent());
      assertEquals(Optional.empty(), again.lastAccess(ref(2)));
    }
    assertFalse(Files.exists(log), "compacted into the snapshot on open");
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

  @Test
  void garbageAndEmptyFilesDoNotStopOpening() throws IOException {
    Path file = dir.resolve("access");
    for (byte[] junk : List.of(new byte[0], new byte[] {1, 2, 3}, new byte[5000])) {
      Files.write(file, junk);
      Files.write(dir.resolve("access.log"), junk, StandardOpenOption.CREATE);
      try (AccessTracker t = AccessTracker.open(file, clock)) {
        assertEquals(0, t.size());
      }
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

  /** Fuzz: random or mutated snapshot and journal bytes never stop the tracker from opening. */
  @Property(tries = 100)
  void anyFileContentOpens(
      @ForAll("seeds") long seed,
      @ForAll @IntRange(min = 0, max = 3) int mode,
      @ForAll @IntRange(min = 0, max = 4000) int length)
      throws IOException {
    Path d = Files.createTempDirectory("access-fuzz");
    try {
      Path file = d.resolve("access");
      Random r = new Random(seed);
      if (mode < 2) {
        // Start from a valid snapshot and journal, then damage them.
        AccessTracker t = AccessTracker.open(file, clock);
        int touched = 1 + r.nextInt(50);
        for (int i = 0; i < touched; i++) {
          t.touch(ref(r.nextInt(100)));
        }
        t.close();
        AccessTracker j = AccessTracker.open(file, clock);
        // Later than every first-round touch, so the journal always has at least one entry.
        int journalled = 1 + r.nextInt(50);
        for (int i = 0; i < journalled; i++) {
          j.touch(ref(r.nextInt(100)), clock.instant().plusSeconds(1 + i));
        }
        j.flush();
        Path victim = mode == 0 ? file : d.resolve("access.log");
        byte[] bytes = Files.readAllBytes(victim);
        for (int i = 0; i < 1 + r.nextInt(4) && bytes.length > 0; i++) {
          bytes[r.nextInt(bytes.length)] ^= (byte) (1 + r.nextInt(255));
        }
        if (r.nextBoolean() && bytes.length > 0) {
          bytes = java.util.Arrays.copyOf(bytes, r.nextInt(bytes.length));
        }
        Files.write(victim, bytes);
      } else {
        byte[] junk = new byte[length];
        r.nextBytes(junk);
        if (mode == 3 && junk.length >= 8) {
          System.arraycopy("LATACC01".getBytes(), 0, junk, 0, 8);
        }
        Files.write(mode == 2 ? d.resolve("access.log") : file, junk);
      }
      try (AccessTracker t = AccessTracker.open(file, clock)) {
        int n = t.size();
        assertEquals(n, t.oldestFirst(over(0, 100), Integer.MAX_VALUE).size());
        t.touch(ref(1));
      }
      try (AccessTracker t = AccessTracker.open(file, clock)) {
        assertTrue(t.lastAccess(ref(1)).isPresent());
      }
    } finally {
      try (Stream<Path> s = Files.list(d)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(d);
    }
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
  void aVersionOneSnapshotAndJournalAreReadAndRewritten() throws IOException {
    Path file = dir.resolve("access");
    // Version 1: full refs, 36-byte entries; the journal has no header.
    java.io.ByteArrayOutputStream snap = new java.io.ByteArrayOutputStream();
    snap.write("LATACC01".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    for (int i = 0; i < 3; i++) {
      snap.write(ref(i).bytes());
      snap.write(java.nio.ByteBuffer.allocate(4).putInt(100 + i).array());
    }
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(snap.toByteArray());
    snap.write(java.nio.ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    Files.write(file, snap.toByteArray());
    java.nio.ByteBuffer frame = java.nio.ByteBuffer.allocate(4 + 36 + 4);
    frame.putInt(1).put(ref(1).bytes()).putInt(500);
    crc.reset();
    crc.update(frame.array(), 0, 40);
    frame.putInt((int) crc.getValue());
    Files.write(dir.resolve("access.log"), frame.array());

    try (AccessTracker t = AccessTracker.open(file, clock)) {
      Instant base = Instant.ofEpochSecond(AccessTracker.EPOCH_SECOND);
      assertEquals(Optional.of(base.plusSeconds(100)), t.lastAccess(ref(0)));
      assertEquals(Optional.of(base.plusSeconds(500)), t.lastAccess(ref(1)), "journal replayed");
      assertEquals(Optional.of(base.plusSeconds(102)), t.lastAccess(ref(2)));
    }
    byte[] now = Files.readAllBytes(file);
    assertEquals("LATACC02", new String(now, 0, 8, java.nio.charset.StandardCharsets.US_ASCII));
    assertEquals(8 + 3 * 12 + 4, now.length, "rewritten in the compact format");
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
