package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.InstantSource;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import java.util.zip.CRC32C;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;

/** The access snapshot and journal: formats, torn tails, damage, the version 1 reader, fuzz. */
class AccessFilesTest {
  @TempDir Path dir;

  private final InstantSource clock = InstantSource.fixed(Instant.parse("2026-01-01T00:00:00Z"));

  private static BlobRef ref(int i) {
    byte[] b = new byte[32];
    new Random(i).nextBytes(b);
    return new BlobRef(b);
  }

  private static long key(int i) {
    return AccessTable.key(ref(i));
  }

  private Path file;
  private AccessFiles files;

  /** A table {@link #files} filled at the start of each test (from nothing). */
  private AccessTable t;

  private boolean loadedAtStart;

  @BeforeEach
  void start() throws IOException {
    file = dir.resolve("access");
    files = new AccessFiles(file, clock);
    t = new AccessTable(null);
    loadedAtStart = files.load(t);
  }

  /** A heap table filled from the files at {@code file}. */
  private AccessTable load(Path file) throws IOException {
    AccessTable t = new AccessTable(null);
    new AccessFiles(file, clock).load(t);
    return t;
  }

  @Test
  void aSnapshotAndItsJournalLoadBackAndCompact() throws IOException {
    assertFalse(loadedAtStart, "nothing to load yet");
    t.put(key(1), 10, false, true);
    t.put(key(2), 20, false, true);
    files.writeSnapshot(t);
    t.put(key(2), 25, false, true);
    t.remove(key(1), true);
    t.put(key(3), 30, false, true);
    assertFalse(files.appendJournal(t), "a small journal needs no compaction");
    assertFalse(files.appendJournal(t), "nothing changed since");
    assertTrue(files.stale(), "a journal waits to be compacted");

    AccessTable again = new AccessTable(null);
    assertTrue(new AccessFiles(file, clock).load(again));
    assertEquals(0, again.get(key(1)));
    assertEquals(25, again.get(key(2)));
    assertEquals(30, again.get(key(3)));
    assertFalse(Files.exists(dir.resolve("access.log")), "compacted into the snapshot on load");
    assertEquals(8 + 2 * 12 + 4, Files.size(file));
  }

  @Test
  void aJournalFrameHoldsEachChangedKeyOnce() throws IOException {
    for (int i = 0; i < 10_000; i++) {
      t.put(key(i % 100), 1 + i, false, true);
    }
    files.appendJournal(t);
    // 100 distinct keys, one entry each (12 bytes) plus the frame's count and CRC, after the
    // journal's 8-byte header.
    assertEquals(8 + 100 * 12 + 8, Files.size(dir.resolve("access.log")));
  }

  @Test
  void tornJournalTailIsIgnored() throws IOException {
    t.put(key(1), 5, false, true);
    files.appendJournal(t);
    t.put(key(2), 6, false, true);
    files.appendJournal(t);
    Path log = dir.resolve("access.log");
    byte[] full = Files.readAllBytes(log);
    Files.write(log, Arrays.copyOf(full, full.length - 3));
    AccessTable again = load(file);
    assertEquals(5, again.get(key(1)));
    assertEquals(0, again.get(key(2)));
    assertFalse(Files.exists(log), "compacted into the snapshot on load");
  }

  @Test
  void corruptSnapshotStartsFreshAndIsSetAside() throws IOException {
    t.put(key(1), 5, false, true);
    files.writeSnapshot(t);
    byte[] bytes = Files.readAllBytes(file);
    bytes[12] ^= 1;
    Files.write(file, bytes);
    AccessTable again = new AccessTable(null);
    assertFalse(new AccessFiles(file, clock).load(again), "a damaged snapshot is not a record");
    assertEquals(0, again.size());
    try (Stream<Path> s = Files.list(dir)) {
      assertTrue(s.anyMatch(p -> p.getFileName().toString().startsWith("access.corrupt-")));
    }
    assertEquals(8 + 4, Files.size(file), "an empty snapshot in its place");
  }

  @Test
  void garbageAndEmptyFilesDoNotStopLoading() throws IOException {

    for (byte[] junk : List.of(new byte[0], new byte[] {1, 2, 3}, new byte[5000])) {
      Files.write(file, junk);
      Files.write(dir.resolve("access.log"), junk, StandardOpenOption.CREATE);
      assertEquals(0, load(file).size());
    }
  }

  @Test
  void aSnapshotWithAnImpossibleTimeIsDamage() throws IOException {

    ByteBuffer b = ByteBuffer.allocate(8 + 12 + 4);
    b.put("LATACC02".getBytes(StandardCharsets.US_ASCII)).putLong(key(1)).putInt(-7);
    CRC32C crc = new CRC32C();
    crc.update(b.array(), 0, b.position());
    b.putInt((int) crc.getValue());
    Files.write(file, b.array());
    AccessTable t = new AccessTable(null);
    assertFalse(new AccessFiles(file, clock).load(t));
    assertEquals(0, t.size());
  }

  @Test
  void aVersionOneSnapshotAndJournalAreReadAndRewritten() throws IOException {

    // Version 1: full refs, 36-byte entries; the journal has no header.
    ByteArrayOutputStream snap = new ByteArrayOutputStream();
    snap.write("LATACC01".getBytes(StandardCharsets.US_ASCII));
    for (int i = 0; i < 3; i++) {
      snap.write(ref(i).bytes());
      snap.write(ByteBuffer.allocate(4).putInt(100 + i).array());
    }
    CRC32C crc = new CRC32C();
    crc.update(snap.toByteArray());
    snap.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    Files.write(file, snap.toByteArray());
    ByteBuffer frame = ByteBuffer.allocate(4 + 36 + 4);
    frame.putInt(1).put(ref(1).bytes()).putInt(500);
    crc.reset();
    crc.update(frame.array(), 0, 40);
    frame.putInt((int) crc.getValue());
    Files.write(dir.resolve("access.log"), frame.array());

    AccessTable t = load(file);
    assertEquals(100, t.get(key(0)));
    assertEquals(500, t.get(key(1)), "journal replayed");
    assertEquals(102, t.get(key(2)));
    byte[] now = Files.readAllBytes(file);
    assertEquals("LATACC02", new String(now, 0, 8, StandardCharsets.US_ASCII));
    assertEquals(8 + 3 * 12 + 4, now.length, "rewritten in the compact format");
  }

  @Provide
  Arbitrary<Long> seeds() {
    return Arbitraries.longs();
  }

  /**
   * Fuzz: random or mutated snapshot and journal bytes always load (never an exception), load only
   * positive times, and leave files that load again to the same table.
   */
  @Property(tries = 200)
  void anyFileContentLoads(
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
        AccessFiles files = new AccessFiles(file, clock);
        AccessTable t = new AccessTable(null);
        files.load(t);
        for (int i = 0, n = 1 + r.nextInt(50); i < n; i++) {
          t.put(key(r.nextInt(100)), 1 + r.nextInt(1000), false, true);
        }
        files.writeSnapshot(t);
        for (int i = 0, n = 1 + r.nextInt(50); i < n; i++) {
          t.put(key(r.nextInt(100)), 2000 + i, false, true);
        }
        files.appendJournal(t);
        Path victim = mode == 0 ? file : d.resolve("access.log");
        byte[] bytes = Files.readAllBytes(victim);
        for (int i = 0; i < 1 + r.nextInt(4) && bytes.length > 0; i++) {
          bytes[r.nextInt(bytes.length)] ^= (byte) (1 + r.nextInt(255));
        }
        if (r.nextBoolean() && bytes.length > 0) {
          bytes = Arrays.copyOf(bytes, r.nextInt(bytes.length));
        }
        Files.write(victim, bytes);
      } else {
        byte[] junk = new byte[length];
        r.nextBytes(junk);
        if (mode == 3 && junk.length >= 8) {
          System.arraycopy("LATACC01".getBytes(StandardCharsets.US_ASCII), 0, junk, 0, 8);
        }
        Files.write(mode == 2 ? d.resolve("access.log") : file, junk);
      }
      Map<Long, Integer> first = contents(load(file));
      assertTrue(first.values().stream().allMatch(t -> t > 0), "only positive times load");
      assertEquals(first, contents(load(file)), "what a load leaves loads the same");
    } finally {
      try (Stream<Path> s = Files.list(d)) {
        for (Path p : s.toList()) {
          Files.delete(p);
        }
      }
      Files.delete(d);
    }
  }

  private static Map<Long, Integer> contents(AccessTable t) {
    Map<Long, Integer> out = new HashMap<>();
    t.forEach(out::put);
    return out;
  }
}
