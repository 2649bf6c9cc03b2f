package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;

class SigChainLogTest {
  private static final UUID STORE = new UUID(0x1234, 0x5678);
  private final Identity alice = Identity.generate(new Random(1));
  private final Identity bob = Identity.generate(new Random(2));

  @TempDir Path dir;

  private Path file() {
    return dir.resolve("alice.log");
  }

  private SigChainLog open() throws KvException {
    return SigChainLog.open(file(), STORE, alice.id());
  }

  private static int frameLength(SignedEntry s) {
    return SigChainLog.FRAME_OVERHEAD + s.wireLength();
  }

  @Test
  void appendReopenRoundTrip() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 300);
    try (SigChainLog log = open()) {
      assertEquals(Optional.empty(), log.tip());
      assertEquals(0, log.entriesAfter(0).count());
      log.append(c.subList(0, 1));
      log.append(c.subList(1, 17));
      log.append(List.of());
      log.append(c.subList(17, 300));
      assertTip(log, c.get(299));
    }
    try (SigChainLog log = open()) {
      assertTip(log, c.get(299));
      assertEquals(300, log.size());
      assertEquals(c, log.entriesAfter(0).toList());
      assertEquals(c.subList(250, 300), log.entriesAfter(250).toList());
      assertEquals(List.of(), log.entriesAfter(300).toList());
      assertEquals(c, log.entriesAfter(-5).toList());
      assertEquals(c.get(0), log.get(1).orElseThrow());
      assertEquals(c.get(122), log.get(123).orElseThrow());
      assertEquals(Optional.empty(), log.get(0));
      assertEquals(Optional.empty(), log.get(301));
      SignedEntry next = Entries.next(STORE, alice, c.get(299), "/more", "x");
      log.append(List.of(next));
      assertEquals(next, log.get(301).orElseThrow());
      assertTrue(log.get(301).orElseThrow().verifySignature());
    }
    long expectedSize = SigChainLog.HEADER_BYTES;
    for (SignedEntry s : c) {
      expectedSize += frameLength(s);
    }
    expectedSize += frameLength(Entries.next(STORE, alice, c.get(299), "/more", "x"));
    assertEquals(expectedSize, Files.size(file()));
  }

  @Test
  void largeEntriesRoundTrip() throws Exception {
    byte[] big = new byte[Entry.MAX_VALUE_BYTES];
    new Random(3).nextBytes(big);
    List<Op> ops = new ArrayList<>();
    List<KeyParents> parents = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      ops.add(new Op.Put("/big/" + i, big));
      parents.add(new KeyParents("/big/" + i, List.of()));
    }
    SignedEntry first =
        SignedEntry.sign(
            new Entry(STORE, alice.id(), 1, Entry.GENESIS, new Hlc(1, 0), parents, ops), alice);
    List<SignedEntry> rest = Entries.chain(STORE, alice, first, 3);
    try (SigChainLog log = open()) {
      log.append(List.of(first));
      log.append(rest);
    }
    try (SigChainLog log = open()) {
      assertEquals(first, log.get(1).orElseThrow());
      List<SignedEntry> all = log.entriesAfter(0).toList();
      assertEquals(4, all.size());
      assertArrayEquals(big, ((Op.Put) all.get(0).entry().ops().get(4)).value());
    }
  }

  @Test
  void chainViolationsAreRejectedWithNothingWritten() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 10);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 5));
      long size = Files.size(file());
      SignedEntry tip = c.get(4);
      SignedEntry ok = c.get(5);
      List<List<SignedEntry>> bad = new ArrayList<>();
      bad.add(List.of(ok, c.get(7))); // gap inside the batch
      bad.add(List.of(c.get(6))); // gap at the start
      bad.add(List.of(c.get(4))); // duplicate of the tip
      bad.add(List.of(c.get(0))); // seq 1 again
      // Right seq, wrong prev.
      SignedEntry wrongPrev = sign(alice, STORE, 6, c.get(3).hash(), "/x");
      bad.add(List.of(wrongPrev));
      bad.add(List.of(ok, c.get(6), wrongPrevAt(c.get(6))));
      bad.add(List.of(sign(alice, new UUID(9, 9), 6, tip.hash(), "/x"))); // other store
      bad.add(List.of(sign(bob, STORE, 6, tip.hash(), "/x"))); // other author
      for (List<SignedEntry> b : bad) {
        KvException e = assertThrows(KvException.class, () -> log.append(b));
        assertTrue(e.getMessage().contains("nothing written"), e.getMessage());
        assertEquals(size, Files.size(file()));
        assertTip(log, tip);
      }
      log.append(c.subList(5, 10));
      assertTip(log, c.get(9));
    }
    try (SigChainLog log = open()) {
      assertEquals(c, log.entriesAfter(0).toList());
    }
  }

  private SignedEntry wrongPrevAt(SignedEntry after) {
    return sign(alice, STORE, after.entry().seq() + 1, after.entry().prev(), "/y");
  }

  private static SignedEntry sign(
      Identity id, UUID store, long seq, org.latticefs.cas.BlobRef prev, String key) {
    return SignedEntry.sign(
        new Entry(
            store,
            id.id(),
            seq,
            prev,
            new Hlc(seq, 0),
            List.of(new KeyParents(key, List.of())),
            List.of(new Op.Delete(key))),
        id);
  }

  /**
   * Writes {@code c}, the entries after {@code acknowledged} in one last append whose mark never
   * reached the disk (as after a power loss during that append).
   */
  private void writeWithLastAppendUnacknowledged(List<SignedEntry> c, int acknowledged)
      throws Exception {
    try (SigChainLog log = open()) {
      log.append(c.subList(0, acknowledged));
    }
    byte[] mark = Files.readAllBytes(VerifiedCheckpoint.fileOf(file()));
    try (SigChainLog log = open()) {
      log.append(c.subList(acknowledged, c.size()));
    }
    Files.write(VerifiedCheckpoint.fileOf(file()), mark);
  }

  @Test
  void tornTailAtEveryOffsetOfTheLastFrameIsTruncated() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 12);
    writeWithLastAppendUnacknowledged(c, 11);
    byte[] mark = Files.readAllBytes(VerifiedCheckpoint.fileOf(file()));
    Path full = dir.resolve("full.copy");
    Files.copy(file(), full);
    long fullSize = Files.size(full);
    long lastStart = fullSize - frameLength(c.get(11));
    for (long cut = lastStart; cut < fullSize; cut++) {
      Files.copy(full, file(), StandardCopyOption.REPLACE_EXISTING);
      Files.write(VerifiedCheckpoint.fileOf(file()), mark);
      truncate(file(), cut);
      try (SigChainLog log = open()) {
        assertTip(log, c.get(10));
        assertEquals(c.subList(0, 11), log.entriesAfter(0).toList());
        assertEquals(lastStart, Files.size(file()), "cut at " + cut);
        log.append(c.subList(11, 12));
      }
      assertArrayEquals(Files.readAllBytes(full), Files.readAllBytes(file()));
    }
  }

  @Test
  void tornTailInsideAMultiFrameAppendKeepsTheCompleteFrames() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 20);
    writeWithLastAppendUnacknowledged(c, 5);
    byte[] mark = Files.readAllBytes(VerifiedCheckpoint.fileOf(file()));
    long[] starts = frameStarts(c);
    Path full = dir.resolve("full.copy");
    Files.copy(file(), full);
    // Cut inside frame 12 (seq 13): entries 1..12 survive.
    Files.copy(full, file(), StandardCopyOption.REPLACE_EXISTING);
    truncate(file(), starts[12] + 7);
    try (SigChainLog log = open()) {
      assertTip(log, c.get(11));
    }
    // Page writes persisted out of order: frame 12 zeroed, frames 13.. of the same append intact.
    Files.copy(full, file(), StandardCopyOption.REPLACE_EXISTING);
    Files.write(VerifiedCheckpoint.fileOf(file()), mark);
    overwrite(file(), starts[12] + 30, new byte[40]);
    try (SigChainLog log = open()) {
      assertTip(log, c.get(11));
      assertEquals(starts[12], Files.size(file()));
      log.append(c.subList(12, 20));
    }
    try (SigChainLog log = open()) {
      assertEquals(c, log.entriesAfter(0).toList());
    }
  }

  @Test
  void garbageAfterTheLastFrameIsTruncated() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 8);
    try (SigChainLog log = open()) {
      log.append(c);
    }
    byte[] clean = Files.readAllBytes(file());
    Random r = new Random(11);
    List<byte[]> tails = new ArrayList<>();
    tails.add(new byte[1]);
    tails.add(new byte[4096]);
    byte[] randomTail = new byte[777];
    r.nextBytes(randomTail);
    tails.add(randomTail);
    byte[] fakeFrame = new byte[100];
    LogFrames.putInt(fakeFrame, 0, SigChainLog.FRAME_MAGIC);
    LogFrames.putInt(fakeFrame, 4, 60);
    tails.add(fakeFrame);
    byte[] hugeLength = new byte[30];
    LogFrames.putInt(hugeLength, 0, SigChainLog.FRAME_MAGIC);
    LogFrames.putInt(hugeLength, 4, 0x7fff_ffff);
    tails.add(hugeLength);
    for (byte[] tail : tails) {
      byte[] dirty = Arrays.copyOf(clean, clean.length + tail.length);
      System.arraycopy(tail, 0, dirty, clean.length, tail.length);
      Files.write(file(), dirty);
      try (SigChainLog log = open()) {
        assertTip(log, c.get(7));
        assertEquals(c, log.entriesAfter(0).toList());
      }
      assertArrayEquals(clean, Files.readAllBytes(file()));
    }
    // An intact frame that does not continue the chain is no torn write: an error, file untouched.
    int lastLen = frameLength(c.get(7));
    byte[] duplicated = Arrays.copyOf(clean, clean.length + lastLen);
    System.arraycopy(clean, clean.length - lastLen, duplicated, clean.length, lastLen);
    Files.write(file(), duplicated);
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("seq 8 where 9 was expected"), e.getMessage());
    assertArrayEquals(duplicated, Files.readAllBytes(file()));
  }

  @Test
  void corruptionInTheMiddleIsAnErrorAndTheFileIsUntouched() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 20);
    try (SigChainLog log = open()) {
      for (SignedEntry s : c) {
        log.append(List.of(s)); // one append each: every frame is followed by later appends
      }
    }
    long[] starts = frameStarts(c);
    byte[] clean = Files.readAllBytes(file());
    for (int victim : new int[] {0, 5, 18}) {
      for (long at : new long[] {starts[victim] + 2, starts[victim] + 5, starts[victim] + 60}) {
        byte[] bad = clean.clone();
        bad[(int) at] ^= 0x10;
        Files.write(file(), bad);
        KvException e = assertThrows(KvException.class, this::open, "flip at " + at);
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
        assertArrayEquals(bad, Files.readAllBytes(file()), "nothing may be cut");
      }
    }
    // A frame cut out of the middle.
    byte[] spliced = new byte[clean.length - frameLength(c.get(3))];
    System.arraycopy(clean, 0, spliced, 0, (int) starts[3]);
    System.arraycopy(
        clean, (int) starts[4], spliced, (int) starts[3], clean.length - (int) starts[4]);
    Files.write(file(), spliced);
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("seq 5 where 4 was expected"), e.getMessage());
  }

  @Test
  void intactFrameWithBadSignatureIsAnError() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 4);
    SignedEntry s = c.get(2);
    byte[] sig = s.signature();
    sig[5] ^= 1;
    List<SignedEntry> forged = new ArrayList<>(c);
    forged.set(2, new SignedEntry(s.entry(), s.encoded(), sig, s.hash()));
    try (SigChainLog log = open()) {
      log.append(forged); // append trusts its caller on signatures (documented)
    }
    // The checkpoint records what append was given as verified (its contract); without it, as for
    // a log from elsewhere, open finds the bad signature.
    Files.delete(VerifiedCheckpoint.fileOf(file()));
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("entry 3 has an invalid signature"), e.getMessage());
  }

  @Test
  void headerMismatchesAreErrors() throws Exception {
    try (SigChainLog log = open()) {
      log.append(Entries.chain(STORE, alice, null, 2));
    }
    KvException store =
        assertThrows(KvException.class, () -> SigChainLog.open(file(), new UUID(1, 1), alice.id()));
    assertTrue(store.getMessage().contains("belongs to store"), store.getMessage());
    KvException author =
        assertThrows(KvException.class, () -> SigChainLog.open(file(), STORE, bob.id()));
    assertTrue(author.getMessage().contains("belongs to author"), author.getMessage());
    Path junk = dir.resolve("junk.log");
    Files.write(junk, new byte[100]);
    KvException magic =
        assertThrows(KvException.class, () -> SigChainLog.open(junk, STORE, alice.id()));
    assertTrue(magic.getMessage().contains("bad magic"), magic.getMessage());
    Files.write(junk, new byte[10]);
    KvException shortFile =
        assertThrows(KvException.class, () -> SigChainLog.open(junk, STORE, alice.id()));
    assertTrue(shortFile.getMessage().contains("shorter than its header"), shortFile.getMessage());
  }

  @Test
  void secondOpenIsRefusedAndClosedLogThrows() throws Exception {
    SigChainLog log = open();
    KvException e = assertThrows(KvException.class, this::open);
    assertTrue(e.getMessage().contains("already open"), e.getMessage());
    log.close();
    log.close();
    assertThrows(KvException.class, () -> log.get(1));
    assertThrows(KvException.class, () -> log.append(Entries.chain(STORE, alice, null, 1)));
    try (SigChainLog again = open()) {
      assertEquals(0, again.size());
    }
  }

  @Test
  void readersSeeConsistentPrefixesWhileAppending() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 400);
    try (SigChainLog log = open()) {
      AtomicReference<Throwable> failure = new AtomicReference<>();
      Thread reader =
          new Thread(
              () -> {
                try {
                  long seen = 0;
                  while (seen < 400) {
                    List<SignedEntry> got = log.entriesAfter(0).toList();
                    assertEquals(c.subList(0, got.size()), got);
                    assertTrue(got.size() >= seen);
                    seen = got.size();
                    log.tip().ifPresent(t -> assertTrue(t.seq() >= 1));
                  }
                } catch (Throwable t) {
                  failure.set(t);
                }
              });
      reader.start();
      for (int i = 0; i < 400; i += 8) {
        log.append(c.subList(i, i + 8));
      }
      reader.join(60_000);
      assertFalse(reader.isAlive());
      if (failure.get() != null) {
        throw new AssertionError(failure.get());
      }
    }
  }

  @Test
  void interruptedCallersDoNotCloseTheLog() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 6);
    try (SigChainLog log = open()) {
      log.append(c.subList(0, 3));
      Thread.currentThread().interrupt();
      try {
        assertEquals(c.get(1), log.get(2).orElseThrow());
        assertEquals(c.subList(0, 3), log.entriesAfter(0).toList());
        log.append(c.subList(3, 6));
      } finally {
        assertTrue(Thread.interrupted(), "the interrupt flag is left for the caller");
      }
      assertEquals(c, log.entriesAfter(0).toList());
    }
    try (SigChainLog log = open()) {
      assertEquals(c, log.entriesAfter(0).toList());
    }
  }

  @Test
  void readBackDetectsLaterCorruption() throws Exception {
    List<SignedEntry> c = Entries.chain(STORE, alice, null, 5);
    try (SigChainLog log = open()) {
      log.append(c);
      long[] starts = frameStarts(c);
      overwrite(file(), starts[2] + 40, new byte[] {(byte) 0xee});
      KvException e = assertThrows(KvException.class, () -> log.get(3));
      assertTrue(e.getMessage().contains("checksum mismatch"), e.getMessage());
      UncheckedIOException u =
          assertThrows(UncheckedIOException.class, () -> log.entriesAfter(0).toList());
      assertTrue(u.getCause().getMessage().contains("checksum"), u.getCause().getMessage());
    }
  }

  private long[] frameStarts(List<SignedEntry> c) {
    long[] starts = new long[c.size()];
    long pos = SigChainLog.HEADER_BYTES;
    for (int i = 0; i < c.size(); i++) {
      starts[i] = pos;
      pos += frameLength(c.get(i));
    }
    return starts;
  }

  private static void assertTip(SigChainLog log, SignedEntry last) {
    assertEquals(
        new ChainTip(last.entry().seq(), last.hash(), last.entry().hlc()), log.tip().orElseThrow());
    assertEquals(last.entry().seq(), log.size());
  }

  private static void truncate(Path f, long size) throws Exception {
    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  private static void overwrite(Path f, long at, byte[] bytes) throws Exception {
    try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.WRITE)) {
      ch.write(java.nio.ByteBuffer.wrap(bytes), at);
    }
  }

  @Test
  void nodeIdOfAuthorIsInTheHeader() throws Exception {
    try (SigChainLog log = open()) {
      assertEquals(alice.id(), log.author());
    }
    byte[] b = Files.readAllBytes(file());
    assertEquals(alice.id(), NodeId.of(b, 24));
  }
}
