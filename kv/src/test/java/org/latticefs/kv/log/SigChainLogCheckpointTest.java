package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.log.VerifiedCheckpoint.Mark;

/**
 * The verified checkpoint: the acknowledged mark that tells damage from a torn tail, and the
 * signatures {@link SigChainLog#open} skips (and when it must not).
 */
class SigChainLogCheckpointTest {
  private static final UUID STORE = new UUID(0x1234, 0x5678);
  private final Identity alice = Identity.generate(new Random(1));
  private final Identity bob = Identity.generate(new Random(2));

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("alice.log");
  }

  private Path checkpointFile() {
    return VerifiedCheckpoint.fileOf(file());
  }

  private SigChainLog open() throws KvException {
    return SigChainLog.open(file(), STORE, alice.id());
  }

  /** Opens, checks the content is {@code expected}, returns the signatures open verified. */
  private long reopen(List<SignedEntry> expected) throws Exception {
    try (SigChainLog log = open()) {
      assertEquals(expected, log.entriesAfter(0).toList());
      return log.signaturesVerifiedOnOpen();
    }
  }

  private void write(List<SignedEntry> entries) throws Exception {
    try (SigChainLog log = open()) {
      log.append(entries);
    }
  }

  private long endOf(List<SignedEntry> c, int n) {
    long end = SigChainLog.HEADER_BYTES;
    for (int i = 0; i < n; i++) {
      end += SigChainLog.FRAME_OVERHEAD + c.get(i).wireLength();
    }
    return end;
  }

  private Mark markOf() {
    VerifiedCheckpoint.Reading r = VerifiedCheckpoint.read(file(), STORE, alice.id());
    assertTrue(r instanceof VerifiedCheckpoint.Found, r.toString());
    return ((VerifiedCheckpoint.Found) r).mark();
  }

  private void assertMarkAt(List<SignedEntry> c, int n) {
    assertEquals(
        n == 0 ? Mark.empty() : new Mark(endOf(c, n), n, c.get(n - 1).hash()), markOf(), "mark");
  }

  private void writeMark(Mark mark) throws Exception {
    VerifiedCheckpoint.create(file(), STORE, alice.id(), mark).close();
  }

  /** Asserts that open fails as corruption naming {@code part}, modifying neither file. */
  private CorruptLogException assertRefused(String part) throws Exception {
    byte[] log = Files.readAllBytes(file());
    byte[] checkpoint =
        Files.exists(checkpointFile()) ? Files.readAllBytes(checkpointFile()) : null;
    CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
    assertTrue(e.getMessage().contains(part), e.getMessage());
    assertTrue(e.getMessage().contains(file().toString()), "names the file: " + e.getMessage());
    assertArrayEquals(log, Files.readAllBytes(file()), "the log was not modified");
    if (checkpoint != null) {
      assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()), "nor its checkpoint");
    }
    return e;
  }

  @Test
  void reopenWithACheckpointVerifiesNoSignatures() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 300);
    try (SigChainLog log = open()) {
      assertEquals(0, log.signaturesVerifiedOnOpen());
      log.append(c.subList(0, 100));
      log.append(c.subList(100, 300));
    }
    assertMarkAt(c, 300);
    assertEquals(0, reopen(c));
    assertEquals(0, reopen(c));

    Files.delete(checkpointFile());
    assertEquals(300, reopen(c), "no checkpoint: every signature");
    assertMarkAt(c, 300);
    assertEquals(0, reopen(c), "the full verification rewrote it");
  }

  @Test
  void aNewLogStartsWithAnEmptyMark() throws Exception {
    try (SigChainLog log = open()) {
      assertEquals(0, log.size());
    }
    assertMarkAt(List.of(), 0);
    assertEquals(VerifiedCheckpoint.BYTES, Files.size(checkpointFile()));
  }

  @Test
  void aDeletedLogWhoseCheckpointRemainsIsRefused() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 3);
    write(c);
    Files.delete(file());
    byte[] checkpoint = Files.readAllBytes(checkpointFile());
    CorruptLogException e = assertThrows(CorruptLogException.class, this::open);
    assertTrue(e.getMessage().contains("is missing"), e.getMessage());
    assertEquals(1, e.firstBadSeq());
    assertEquals(3, e.lastAckSeq());
    assertFalse(Files.exists(file()), "not created empty");
    assertArrayEquals(checkpoint, Files.readAllBytes(checkpointFile()));
    // Moving the checkpoint away is the explicit way to start the chain afresh.
    Files.delete(checkpointFile());
    try (SigChainLog log = open()) {
      assertEquals(0, log.size());
    }
  }

  @Test
  void aStaleMarkVerifiesOnlyTheTail() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 150);
    write(c.subList(0, 100));
    byte[] at100 = Files.readAllBytes(checkpointFile());
    write(c.subList(100, 150));
    assertMarkAt(c, 150);
    Files.write(checkpointFile(), at100); // as when a power loss lost the later marks
    assertEquals(50, reopen(c));
    assertMarkAt(c, 150);
    assertEquals(0, reopen(c));
  }

  @Test
  void theTailAfterAStaleMarkIsReallyVerified() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 30);
    write(c.subList(0, 20));
    byte[] at20 = Files.readAllBytes(checkpointFile());
    List<SignedEntry> forged = new ArrayList<>(c.subList(20, 30));
    forged.set(4, withFlippedSignature(forged.get(4)));
    write(forged); // append trusts its caller on signatures (documented)
    Files.write(checkpointFile(), at20);
    KvException e = assertThrows(CorruptLogException.class, this::open);
    assertTrue(e.getMessage().contains("entry 25 has an invalid signature"), e.getMessage());
  }

  @Test
  void aDamagedCheckpointBesideAnIntactLogIsReplaced() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 40);
    write(c);
    byte[] good = Files.readAllBytes(checkpointFile());
    assertEquals(VerifiedCheckpoint.BYTES, good.length);
    List<byte[]> bad = new ArrayList<>();
    for (int i = 0; i < good.length; i++) {
      byte[] b = good.clone();
      b[i] ^= (byte) (1 << (i % 8));
      bad.add(b);
    }
    bad.add(new byte[0]);
    bad.add(Arrays.copyOf(good, good.length - 1));
    bad.add(Arrays.copyOf(good, good.length + 1));
    byte[] random = new byte[good.length];
    new Random(7).nextBytes(random);
    bad.add(random);
    for (byte[] b : bad) {
      Files.write(checkpointFile(), b);
      long verified = reopen(c);
      assertTrue(verified == 0 || verified == 40, "all or nothing: " + verified);
      assertMarkAt(c, 40);
    }
  }

  @Test
  void aCheckpointThatDoesNotMatchTheLogIsRefused() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 40);
    write(c);
    List<Mark> wrong =
        List.of(
            new Mark(endOf(c, 40), 40, Blake3.hash(new byte[] {1})),
            new Mark(endOf(c, 40), 40, c.get(38).hash()),
            new Mark(endOf(c, 40) - 1, 40, c.get(39).hash()),
            new Mark(endOf(c, 39), 40, c.get(39).hash()),
            new Mark(endOf(c, 40), 39, c.get(39).hash()),
            new Mark(endOf(c, 39), 39, c.get(39).hash()),
            new Mark(endOf(c, 40), 39, c.get(38).hash()));
    for (Mark m : wrong) {
      writeMark(m);
      assertRefused(file().toString());
    }
    writeMark(new Mark(endOf(c, 40), 40, c.get(39).hash()));
    assertEquals(0, reopen(c));
    // Another author's checkpoint says nothing about this log: set aside, everything verified.
    Path bobs = dir.resolve("bob.log");
    try (SigChainLog log = SigChainLog.open(bobs, STORE, bob.id())) {
      log.append(Entries.chain(STORE, bob, null, 40));
    }
    Files.copy(VerifiedCheckpoint.fileOf(bobs), checkpointFile(), REPLACE);
    assertEquals(40, reopen(c));
    assertMarkAt(c, 40);
    assertTrue(Files.exists(dir.resolve("alice.log.verified.damaged")), "the foreign one kept");
  }

  @Test
  void aMismatchingCheckpointNeverCoversAnUnverifiedEntry() throws Exception {
    List<SignedEntry> c = new ArrayList<>(Entries.chain(STORE, alice, null, 10));
    c.set(2, withFlippedSignature(c.get(2)));
    write(c);
    // What append was given counts as verified: with the matching checkpoint open trusts it.
    assertEquals(0, reopen(c));
    // A checkpoint that does not match (here: off by one byte) covers nothing: refused.
    writeMark(new Mark(endOf(c, 10) + 1, 10, c.get(9).hash()));
    Files.write(file(), new byte[] {0}, StandardOpenOption.APPEND);
    assertRefused("does not match its checkpoint");
    // Without one, as for a log from elsewhere, open finds the bad signature.
    Files.delete(checkpointFile());
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("entry 3 has an invalid signature"), e.getMessage());
  }

  @Test
  void aTornTailAfterTheMarkIsCutAndKept() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 15);
    write(c.subList(0, 10));
    byte[] at10 = Files.readAllBytes(checkpointFile());
    write(c.subList(10, 15));
    Files.write(checkpointFile(), at10); // the last append's mark never reached the disk
    byte[] before = Files.readAllBytes(file());
    truncate(file(), endOf(c, 14) + 7); // entry 15's frame cut short
    assertEquals(4, reopen(c.subList(0, 14)));
    assertEquals(endOf(c, 14), Files.size(file()));
    assertMarkAt(c, 14);
    Path kept = dir.resolve("alice.log.cut-at-" + endOf(c, 14));
    assertArrayEquals(
        Arrays.copyOfRange(before, (int) endOf(c, 14), (int) endOf(c, 14) + 7),
        Files.readAllBytes(kept));
  }

  @Test
  void aLogShorterThanItsMarkIsRefused() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 20);
    write(c);
    byte[] full = Files.readAllBytes(file());
    // Cut at a frame boundary (an older copy of the file), then inside a frame.
    for (long cut : new long[] {endOf(c, 12), endOf(c, 15) + 30, endOf(c, 20) - 1}) {
      Files.write(file(), Arrays.copyOf(full, (int) cut));
      CorruptLogException e = assertRefused("acknowledged");
      assertEquals(20, e.lastAckSeq());
    }
  }

  @Test
  void damageInsideTheMarkIsCorruptionEvenInTheLastEntry() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 10);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 3));
      log.append(c.subList(3, 10));
    }
    for (long at :
        new long[] {endOf(c, 3) + 40, endOf(c, 9) + 2, endOf(c, 9) + 60, endOf(c, 10) - 1}) {
      byte[] clean = Files.readAllBytes(file());
      byte[] bad = clean.clone();
      bad[(int) at] ^= 0x10;
      Files.write(file(), bad);
      CorruptLogException e = assertRefused("acknowledged");
      assertEquals(10, e.lastAckSeq());
      Files.write(file(), clean);
    }
    assertEquals(0, reopen(c));
  }

  @Test
  void aDamagedCheckpointWithADamagedTailIsRefusedUntilMovedAway() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 6);
    write(c);
    Files.write(checkpointFile(), new byte[VerifiedCheckpoint.BYTES]);
    truncate(file(), endOf(c, 6) - 5);
    assertRefused("is unusable");
    Files.delete(checkpointFile());
    assertEquals(5, reopen(c.subList(0, 5)));
  }

  @Test
  void aVersion1CheckpointIsReadThenUpgraded() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 12);
    write(c);
    // The 60-byte format earlier builds wrote: magic, end, seq, hash, CRC32C.
    byte[] v1 = new byte[VerifiedCheckpoint.V1_BYTES];
    System.arraycopy("LTSCVFY1".getBytes(StandardCharsets.US_ASCII), 0, v1, 0, 8);
    LogFrames.putLong(v1, 8, endOf(c, 12));
    LogFrames.putLong(v1, 16, 12);
    c.get(11).hash().copyTo(v1, 24);
    CRC32C crc = new CRC32C();
    crc.update(v1, 0, v1.length - 4);
    LogFrames.putInt(v1, v1.length - 4, (int) crc.getValue());
    Files.write(checkpointFile(), v1);
    assertEquals(0, reopen(c), "its mark is trusted");
    assertEquals(VerifiedCheckpoint.BYTES, Files.size(checkpointFile()), "rewritten as version 2");
    assertMarkAt(c, 12);
    // Its mark protects like a new one: damage under it is corruption.
    Files.write(checkpointFile(), v1);
    byte[] bad = Files.readAllBytes(file());
    bad[(int) endOf(c, 12) - 3] ^= 1;
    Files.write(file(), bad);
    assertRefused("acknowledged");
  }

  @Test
  void everySyncedAppendMovesTheMarkWithoutAClose() throws Exception {
    int n = SigChainLog.CHECKPOINT_EVERY + 10;
    List<SignedEntry> c = Entries.chain(STORE, alice, null, n);
    try (SigChainLog log = open()) {
      for (int i = 0; i < n; i += 1000) {
        int to = Math.min(n, i + 1000);
        log.append(c.subList(i, to));
        assertMarkAt(c, to);
      }
    }
    assertMarkAt(c, n);
  }

  private static final java.nio.file.StandardCopyOption REPLACE =
      java.nio.file.StandardCopyOption.REPLACE_EXISTING;

  @Test
  void unsyncedAppendsAreNeverMarkedUntilSynced() throws Exception {
    int n = 30;
    List<SignedEntry> c = Entries.chain(STORE, alice, null, n);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 10), false);
      log.append(c.subList(10, n), false);
      assertTrue(log.hasUnsynced());
      assertMarkAt(c, 0);
      assertEquals(c, log.entriesAfter(0).toList(), "readable before the sync");
      log.sync();
      assertFalse(log.hasUnsynced());
      assertMarkAt(c, n);
    }
    assertEquals(0, reopen(c));
  }

  @Test
  void aSyncedAppendCoversEarlierUnsyncedOnes() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 3);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 2), false);
      assertTrue(log.hasUnsynced());
      log.append(c.subList(2, 3), true);
      assertFalse(log.hasUnsynced());
      assertMarkAt(c, 3);
    }
    reopen(c);
  }

  private static SignedEntry withFlippedSignature(SignedEntry s) {
    byte[] sig = s.signature();
    sig[5] ^= 1;
    return new SignedEntry(s.entry(), s.encoded(), sig, s.hash());
  }

  private static void truncate(Path f, long size) throws Exception {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }
}
