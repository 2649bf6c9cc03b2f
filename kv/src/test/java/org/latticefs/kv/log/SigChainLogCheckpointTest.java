package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;

/**
 * The verified checkpoint: which signatures {@link SigChainLog#open} skips, and when it must not.
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

  private void assertCheckpointAt(List<SignedEntry> c, int n) {
    VerifiedCheckpoint cp = VerifiedCheckpoint.read(file()).orElseThrow();
    assertEquals(new VerifiedCheckpoint(endOf(c, n), n, c.get(n - 1).hash()), cp);
  }

  @Test
  void reopenWithACheckpointVerifiesNoSignatures() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 300);
    try (SigChainLog log = open()) {
      assertEquals(0, log.signaturesVerifiedOnOpen());
      log.append(c.subList(0, 100));
      log.append(c.subList(100, 300));
    }
    assertCheckpointAt(c, 300);
    assertEquals(0, reopen(c));
    assertEquals(0, reopen(c));

    Files.delete(checkpointFile());
    assertEquals(300, reopen(c), "no checkpoint: every signature");
    assertCheckpointAt(c, 300);
    assertEquals(0, reopen(c), "the full verification rewrote it");
  }

  @Test
  void anEmptyLogHasNoCheckpoint() throws Exception {
    try (SigChainLog log = open()) {
      assertEquals(0, log.size());
    }
    assertFalse(Files.exists(checkpointFile()));
    // A checkpoint left behind by a deleted log is dropped when the log is created again.
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 3);
    write(c);
    byte[] old = Files.readAllBytes(checkpointFile());
    Files.delete(file());
    Files.write(checkpointFile(), old);
    try (SigChainLog log = open()) {
      assertEquals(0, log.size());
    }
    assertFalse(Files.exists(checkpointFile()));
  }

  @Test
  void aStaleCheckpointVerifiesOnlyTheTail() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 150);
    write(c.subList(0, 100));
    byte[] at100 = Files.readAllBytes(checkpointFile());
    write(c.subList(100, 150));
    assertCheckpointAt(c, 150);
    Files.write(checkpointFile(), at100); // as after a crash before close
    assertEquals(50, reopen(c));
    assertCheckpointAt(c, 150);
    assertEquals(0, reopen(c));
  }

  @Test
  void theTailAfterAStaleCheckpointIsReallyVerified() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 30);
    write(c.subList(0, 20));
    byte[] at20 = Files.readAllBytes(checkpointFile());
    List<SignedEntry> forged = new ArrayList<>(c.subList(20, 30));
    forged.set(4, withFlippedSignature(forged.get(4)));
    write(forged); // append trusts its caller on signatures (documented)
    Files.write(checkpointFile(), at20);
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("entry 25 has an invalid signature"), e.getMessage());
  }

  @Test
  void aCorruptCheckpointFallsBackToFullVerification() throws Exception {
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
      assertEquals(40, reopen(c), "checkpoint " + Arrays.toString(b));
      assertArrayEquals(good, Files.readAllBytes(checkpointFile()), "rewritten");
    }
  }

  @Test
  void aWellFormedCheckpointThatDoesNotMatchTheFileFallsBack() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 40);
    write(c);
    byte[] good = Files.readAllBytes(checkpointFile());
    List<VerifiedCheckpoint> wrong =
        List.of(
            new VerifiedCheckpoint(endOf(c, 40), 40, Blake3.hash(new byte[] {1})),
            new VerifiedCheckpoint(endOf(c, 40), 40, c.get(38).hash()),
            new VerifiedCheckpoint(endOf(c, 40) - 1, 40, c.get(39).hash()),
            new VerifiedCheckpoint(endOf(c, 39), 40, c.get(39).hash()),
            new VerifiedCheckpoint(endOf(c, 40), 39, c.get(39).hash()),
            new VerifiedCheckpoint(endOf(c, 39), 39, c.get(39).hash()),
            new VerifiedCheckpoint(endOf(c, 40), 39, c.get(38).hash()));
    for (VerifiedCheckpoint cp : wrong) {
      cp.write(file());
      assertEquals(40, reopen(c), cp.toString());
      assertArrayEquals(good, Files.readAllBytes(checkpointFile()), "rewritten");
    }
    // Another author's checkpoint of a log of the same length.
    Path bobs = dir.resolve("bob.log");
    try (SigChainLog log = SigChainLog.open(bobs, STORE, bob.id())) {
      log.append(Entries.chain(STORE, bob, null, 40));
    }
    Files.copy(VerifiedCheckpoint.fileOf(bobs), checkpointFile(), REPLACE);
    assertEquals(40, reopen(c));
  }

  @Test
  void aMismatchingCheckpointNeverCoversAnUnverifiedEntry() throws Exception {
    List<SignedEntry> c = new ArrayList<>(Entries.chain(STORE, alice, null, 10));
    c.set(2, withFlippedSignature(c.get(2)));
    write(c);
    // What append was given counts as verified: with the matching checkpoint open trusts it.
    assertEquals(0, reopen(c));
    // A checkpoint that does not match (here: off by one byte) must not cover entry 3.
    new VerifiedCheckpoint(endOf(c, 10) + 1, 10, c.get(9).hash()).write(file());
    Files.write(file(), new byte[] {0}, StandardOpenOption.APPEND);
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("entry 3 has an invalid signature"), e.getMessage());
  }

  @Test
  void aTornTailAfterTheCheckpointIsTruncated() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 15);
    write(c.subList(0, 10));
    byte[] at10 = Files.readAllBytes(checkpointFile());
    write(c.subList(10, 15));
    Files.write(checkpointFile(), at10);
    truncate(file(), endOf(c, 14) + 7); // entry 15's frame cut short
    assertEquals(4, reopen(c.subList(0, 14)));
    assertEquals(endOf(c, 14), Files.size(file()));
    assertCheckpointAt(c, 14);
  }

  @Test
  void aCheckpointPastTheEndOfATruncatedFileIsIgnored() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 20);
    write(c);
    byte[] at20 = Files.readAllBytes(checkpointFile());
    // Cut at a frame boundary (an older copy of the file), then inside a frame (a torn tail).
    truncate(file(), endOf(c, 12));
    assertEquals(12, reopen(c.subList(0, 12)));
    assertCheckpointAt(c, 12);
    write(c.subList(12, 20));
    Files.write(checkpointFile(), at20);
    truncate(file(), endOf(c, 15) + 30);
    assertEquals(15, reopen(c.subList(0, 15)));
    assertEquals(endOf(c, 15), Files.size(file()));
    assertCheckpointAt(c, 15);
  }

  @Test
  void damageInsideTheCheckpointedPrefixIsHandledAsWithoutOne() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 10);
    try (SigChainLog log = open()) {
      for (SignedEntry s : c) {
        log.append(List.of(s));
      }
    }
    long at = endOf(c, 3) + 40;
    byte[] b = new byte[1];
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.READ)) {
      ch.read(ByteBuffer.wrap(b), at);
    }
    b[0] ^= 0x10;
    try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(b), at);
    }
    byte[] damaged = Files.readAllBytes(file());
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    assertArrayEquals(damaged, Files.readAllBytes(file()), "nothing may be cut");
  }

  @Test
  void appendsRewriteTheCheckpointWithoutAClose() throws Exception {
    int n = SigChainLog.CHECKPOINT_EVERY + 10;
    List<SignedEntry> c = Entries.chain(STORE, alice, null, n);
    SigChainLog log = open();
    try {
      for (int i = 0; i < n; i += 100) {
        log.append(c.subList(i, Math.min(n, i + 100)));
      }
      VerifiedCheckpoint cp = VerifiedCheckpoint.read(file()).orElseThrow();
      assertTrue(cp.seq() >= SigChainLog.CHECKPOINT_EVERY, cp.toString());
      assertCheckpointAt(c, (int) cp.seq());
    } finally {
      log.close();
    }
    assertCheckpointAt(c, n);
  }

  private static SignedEntry withFlippedSignature(SignedEntry s) {
    byte[] sig = s.signature();
    sig[5] ^= 1;
    return new SignedEntry(s.entry(), s.encoded(), sig, s.hash());
  }

  private static final java.nio.file.StandardCopyOption REPLACE =
      java.nio.file.StandardCopyOption.REPLACE_EXISTING;

  private static void truncate(Path f, long size) throws Exception {
    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  @Test
  void unsyncedAppendsAreNeverCheckpointedUntilSynced() throws Exception {
    int n = SigChainLog.CHECKPOINT_EVERY + 10;
    List<SignedEntry> c = Entries.chain(STORE, alice, null, n);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 10), false);
      log.append(c.subList(10, n), false);
      assertTrue(log.hasUnsynced());
      assertFalse(Files.exists(checkpointFile()), "no checkpoint over unsynced frames");
      assertEquals(c, log.entriesAfter(0).toList(), "readable before the sync");
      log.sync();
      assertFalse(log.hasUnsynced());
      assertCheckpointAt(c, n);
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
    }
    reopen(c);
  }
}
