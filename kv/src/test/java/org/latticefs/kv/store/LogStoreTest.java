package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.StoreDamage;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.MalformedEntryException;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.Equivocation;
import org.latticefs.kv.sync.IngestOutcome;

class LogStoreTest {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-000000000001");

  @TempDir Path dir;
  final FakeTime time = new FakeTime();
  final Identity me = Identity.generate(new Random(1));
  final TestAuthor bob = new TestAuthor(2, STORE);
  final TestAuthor carol = new TestAuthor(3, STORE);
  LogStore store;

  StoreSettings settings() {
    return StoreSettings.defaults(time)
        .withOrphans(Duration.ofMinutes(5), 100)
        .withPolicy(a -> !a.equals(carol.id()));
  }

  @BeforeEach
  void open() throws Exception {
    store = LogStore.open(dir.resolve("store"), STORE, me, settings());
  }

  @AfterEach
  void close() throws Exception {
    store.close();
  }

  void reopen() throws Exception {
    store.close();
    store = LogStore.open(dir.resolve("store"), STORE, me, settings());
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static String text(byte[] b) {
    return new String(b, StandardCharsets.UTF_8);
  }

  @Test
  void commitIsVisibleAndDurable() throws Exception {
    BlobRef first = store.commit(List.of(Op.Put.utf8("/a", "1"), Op.Put.utf8("/b", "2")));
    BlobRef second = store.commit(List.of(Op.Put.utf8("/a", "3")));
    assertEquals("3", text(store.get("/a").orElseThrow()));
    List<Head> heads = store.heads("/a");
    assertEquals(1, heads.size());
    assertEquals(second, heads.get(0).entry());
    assertEquals(me.id(), heads.get(0).author());
    reopen();
    assertEquals("3", text(store.get("/a").orElseThrow()));
    assertEquals("2", text(store.get("/b").orElseThrow()));
    ChainTip tip = store.syncState().get(me.id());
    assertEquals(2, tip.seq());
    assertEquals(second, tip.hash());
    assertEquals(first, store.entriesAfter(me.id(), 0).findFirst().orElseThrow().hash());
  }

  @Test
  void commitListsTheCurrentHeadsAsParents() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "bob"));
    assertEquals(List.of(IngestOutcome.APPLIED), store.ingest(List.of(b1)));
    store.commit(List.of(Op.Put.utf8("/k", "mine")));
    SignedEntry mine = store.entriesAfter(me.id(), 0).findFirst().orElseThrow();
    assertEquals(List.of(b1.hash()), mine.entry().parents().get(0).heads());
    assertEquals(1, store.heads("/k").size());
  }

  @Test
  void invalidCommitsFailClearlyAndChangeNothing() throws Exception {
    BlobRef before = store.stateDigest();
    assertThrows(KvException.class, () -> store.commit(List.of()));
    assertTrue(
        assertThrows(KvException.class, () -> store.commit(List.of(Op.Put.utf8("no-slash", "x"))))
            .getMessage()
            .contains("invalid key"));
    KvException big =
        assertThrows(
            KvException.class,
            () -> store.commit(List.of(new Op.Put("/big", new byte[(1 << 20) + 1]))));
    assertTrue(big.getMessage().contains("invalid commit"), big.getMessage());
    assertEquals(before, store.stateDigest());
    assertTrue(store.syncState().isEmpty());
  }

  @Test
  void concurrentCommitsAllLandInOneContiguousChain() throws Exception {
    int threads = 8;
    int each = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    List<Future<?>> done = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int tt = t;
      done.add(
          pool.submit(
              () -> {
                for (int i = 0; i < each; i++) {
                  store.commit(List.of(Op.Put.utf8("/t" + tt + "/" + i, "v")));
                }
                return null;
              }));
    }
    for (Future<?> f : done) {
      f.get();
    }
    pool.shutdown();
    assertEquals(threads * each, store.syncState().get(me.id()).seq());
    assertEquals(threads * each, store.list("/t", null, 10_000).size());
  }

  @Test
  void ingestAppliesThenReportsDuplicates() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    SignedEntry b2 =
        bob.next(time.millis(1), Map.of("/k", List.of(b1.hash())), Op.Put.utf8("/k", "2"));
    assertEquals(
        List.of(IngestOutcome.APPLIED, IngestOutcome.APPLIED), store.ingest(List.of(b2, b1)));
    assertEquals("2", text(store.get("/k").orElseThrow()));
    BlobRef digest = store.stateDigest();
    assertEquals(
        List.of(IngestOutcome.DUPLICATE, IngestOutcome.DUPLICATE), store.ingest(List.of(b1, b2)));
    assertEquals(digest, store.stateDigest());
  }

  @Test
  void concurrentPutsKeepBothHeadsAndTheLaterWins() throws Exception {
    SignedEntry b1 = bob.next(time.millis(10), Map.of(), Op.Put.utf8("/k", "bob"));
    store.commit(List.of(Op.Put.utf8("/k", "mine")));
    store.ingest(List.of(b1));
    assertEquals(2, store.heads("/k").size());
    assertEquals("bob", text(store.get("/k").orElseThrow()));
  }

  private void assertRejected(SignedEntry e, String reasonPart) throws Exception {
    BlobRef before = store.stateDigest();
    Map<NodeId, ChainTip> tips = store.syncState();
    IngestOutcome outcome = store.ingest(List.of(e)).get(0);
    IngestOutcome.Rejected r = assertInstanceOf(IngestOutcome.Rejected.class, outcome);
    assertTrue(r.reason().contains(reasonPart), r.reason());
    assertEquals(before, store.stateDigest());
    assertEquals(tips, store.syncState());
  }

  @Test
  void badSignatureIsRejected() throws Exception {
    SignedEntry good = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "v"));
    byte[] sig = good.signature();
    sig[5] ^= 1;
    assertRejected(
        new SignedEntry(good.entry(), good.encoded(), sig, good.hash()), "bad signature");
  }

  @Test
  void wrongPrevHashIsRejected() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    store.ingest(List.of(b1));
    SignedEntry forged =
        bob.build(
            2,
            BlobRef.parse("11".repeat(32)),
            new Hlc(time.millis(1), 0),
            Map.of(),
            Op.Put.utf8("/k", "2"));
    assertRejected(forged, "prev hash");
  }

  @Test
  void wrongStoreIdIsRejected() throws Exception {
    SignedEntry other =
        bob.build(
            UUID.randomUUID(),
            1,
            org.latticefs.kv.log.Entry.GENESIS,
            new Hlc(time.millis(0), 0),
            Map.of(),
            Op.Put.utf8("/k", "v"));
    assertRejected(other, "belongs to store");
  }

  @Test
  void farFutureHlcIsRejected() throws Exception {
    SignedEntry future =
        bob.build(
            1,
            org.latticefs.kv.log.Entry.GENESIS,
            new Hlc(time.millis(3_600_000), 0),
            Map.of(),
            Op.Put.utf8("/k", "v"));
    assertRejected(future, "too far in the future");
  }

  @Test
  void hlcMustGrowAlongAChain() throws Exception {
    SignedEntry b1 = bob.next(time.millis(100), Map.of(), Op.Put.utf8("/k", "1"));
    store.ingest(List.of(b1));
    SignedEntry back =
        bob.build(2, b1.hash(), new Hlc(time.millis(50), 0), Map.of(), Op.Put.utf8("/k", "2"));
    assertRejected(back, "not after its predecessor");
  }

  @Test
  void unauthorizedAuthorIsRejected() throws Exception {
    assertRejected(carol.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "v")), "not authorized");
  }

  @Test
  void anEntryWithAnInvalidKeyCannotEvenBeBuilt() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> bob.next(time.millis(0), Map.of(), Op.Put.utf8("relative", "v")));
    assertTrue(e.getMessage().contains("'/'"), e.getMessage());
  }

  @Test
  void malformedAndOversizedBytesNeverReachTheStore() throws Exception {
    SignedEntry good = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "v"));
    byte[] wire = good.toWire();
    assertThrows(
        MalformedEntryException.class,
        () -> SignedEntry.fromWire(java.util.Arrays.copyOf(wire, wire.length - 1)));
    byte[] oversized = java.util.Arrays.copyOf(wire, wire.length);
    oversized[0] = 0x7f;
    assertThrows(MalformedEntryException.class, () -> SignedEntry.fromWire(oversized));
    byte[] random = new byte[300];
    new Random(5).nextBytes(random);
    assertThrows(MalformedEntryException.class, () -> SignedEntry.fromWire(random));
    assertTrue(store.syncState().isEmpty());
    assertEquals(List.of(IngestOutcome.APPLIED), store.ingest(List.of(SignedEntry.fromWire(wire))));
  }

  @Test
  void aGapOrphansUntilFilled() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    SignedEntry b2 =
        bob.next(time.millis(1), Map.of("/k", List.of(b1.hash())), Op.Put.utf8("/k", "2"));
    SignedEntry b3 =
        bob.next(time.millis(2), Map.of("/k", List.of(b2.hash())), Op.Put.utf8("/k", "3"));
    assertEquals(
        List.of(IngestOutcome.ORPHANED, IngestOutcome.ORPHANED), store.ingest(List.of(b3, b2)));
    assertEquals(2, store.orphanCount());
    assertTrue(store.get("/k").isEmpty());
    assertEquals(List.of(IngestOutcome.ORPHANED), store.ingest(List.of(b3)));
    assertEquals(List.of(IngestOutcome.APPLIED), store.ingest(List.of(b1)));
    assertEquals("3", text(store.get("/k").orElseThrow()));
    assertEquals(3, store.syncState().get(bob.id()).seq());
    assertEquals(0, store.orphanCount());
  }

  @Test
  void orphansExpireAfterTheirTimeToLive() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    SignedEntry b2 =
        bob.next(time.millis(1), Map.of("/k", List.of(b1.hash())), Op.Put.utf8("/k", "2"));
    BlobRef before = store.stateDigest();
    assertEquals(List.of(IngestOutcome.ORPHANED), store.ingest(List.of(b2)));
    assertEquals(before, store.stateDigest());
    time.advance(Duration.ofMinutes(4));
    assertEquals(0, store.expireOrphans());
    time.advance(Duration.ofMinutes(2));
    assertEquals(1, store.expireOrphans());
    assertEquals(0, store.orphanCount());
    assertEquals(List.of(IngestOutcome.APPLIED), store.ingest(List.of(b1)));
    assertEquals(1, store.syncState().get(bob.id()).seq());
    assertEquals("1", text(store.get("/k").orElseThrow()));
  }

  @Test
  void theOrphanBufferIsBounded() throws Exception {
    reopenWith(StoreSettings.defaults(time).withOrphans(Duration.ofMinutes(5), 2));
    bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    List<SignedEntry> later = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      later.add(bob.next(time.millis(i + 1), Map.of(), Op.Put.utf8("/k" + i, "x")));
    }
    List<IngestOutcome> out = store.ingest(later);
    assertEquals(IngestOutcome.ORPHANED, out.get(0));
    assertEquals(IngestOutcome.ORPHANED, out.get(1));
    assertTrue(((IngestOutcome.Rejected) out.get(2)).reason().contains("orphan buffer full"));
  }

  private void reopenWith(StoreSettings s) throws Exception {
    store.close();
    store = LogStore.open(dir.resolve("store"), STORE, me, s);
  }

  @Test
  void statsCountRejectionsByReasonOrphansAndEquivocations() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "honest"));
    SignedEntry b1bis = bobsSecondFirstEntry();
    SignedEntry c1 = carol.next(time.millis(0), Map.of(), Op.Put.utf8("/c", "x"));
    TestAuthor dave = new TestAuthor(4, STORE);
    dave.next(time.millis(0), Map.of(), Op.Put.utf8("/d", "1"));
    SignedEntry d2 = dave.next(time.millis(1), Map.of(), Op.Put.utf8("/d", "2"));
    store.ingest(List.of(b1, c1, d2));
    store.ingest(List.of(b1bis));
    store.ingest(List.of(bob.next(time.millis(2), Map.of(), Op.Put.utf8("/k", "after"))));
    LogStore.Stats s = store.stats();
    assertEquals(1, s.ingested());
    assertEquals(3, s.rejected());
    assertEquals(1, s.rejected(LogStore.RejectReason.UNAUTHORIZED));
    assertEquals(1, s.rejected(LogStore.RejectReason.EQUIVOCATION));
    assertEquals(1, s.rejected(LogStore.RejectReason.REFUSED_AUTHOR));
    assertEquals(0, s.rejected(LogStore.RejectReason.BAD_SIGNATURE));
    assertEquals(1, s.orphans());
    assertEquals(1, s.equivocations());
    assertEquals("refused_author", LogStore.RejectReason.REFUSED_AUTHOR.label());
  }

  /** An entry 1 by bob that differs from his real one: an equivocation once both are seen. */
  private SignedEntry bobsSecondFirstEntry() {
    return bob.build(
        1,
        org.latticefs.kv.log.Entry.GENESIS,
        new Hlc(time.millis(0), 0),
        Map.of(),
        Op.Put.utf8("/k", "liar"));
  }

  @Test
  void equivocationIsProvenKeptAndTheAuthorRefused() throws Exception {
    SignedEntry b1 = bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "honest"));
    SignedEntry b1bis = bobsSecondFirstEntry();
    SignedEntry b2 =
        bob.next(time.millis(1), Map.of("/k", List.of(b1.hash())), Op.Put.utf8("/k", "later"));
    assertEquals(IngestOutcome.APPLIED, store.ingest(List.of(b1)).get(0));
    BlobRef before = store.stateDigest();
    IngestOutcome.Rejected r =
        assertInstanceOf(IngestOutcome.Rejected.class, store.ingest(List.of(b1bis)).get(0));
    assertTrue(r.reason().contains("equivocation"), r.reason());
    assertEquals(1, store.equivocations().size());
    Equivocation proof = store.equivocations().get(0);
    assertTrue(proof.check());
    assertEquals(bob.id(), proof.author());
    assertEquals(1, proof.seq());
    IngestOutcome.Rejected refused =
        assertInstanceOf(IngestOutcome.Rejected.class, store.ingest(List.of(b2)).get(0));
    assertTrue(refused.reason().contains("equivocated"), refused.reason());
    assertEquals(before, store.stateDigest());
    reopen();
    assertEquals(1, store.equivocations().size());
    assertEquals(proof.second().hash(), store.equivocations().get(0).second().hash());
    assertInstanceOf(IngestOutcome.Rejected.class, store.ingest(List.of(b2)).get(0));
    assertEquals(Equivocation.parse(proof.toBytes()).first().hash(), b1.hash());
  }

  @Test
  void equivocationAmongOrphansIsCaughtToo() throws Exception {
    bob.next(time.millis(0), Map.of(), Op.Put.utf8("/k", "1"));
    SignedEntry b2 = bob.next(time.millis(1), Map.of(), Op.Put.utf8("/k", "2"));
    SignedEntry b2bis =
        bob.build(
            2, b2.entry().prev(), new Hlc(time.millis(2), 0), Map.of(), Op.Put.utf8("/k", "x"));
    assertEquals(IngestOutcome.ORPHANED, store.ingest(List.of(b2)).get(0));
    assertInstanceOf(IngestOutcome.Rejected.class, store.ingest(List.of(b2bis)).get(0));
    assertEquals(1, store.equivocations().size());
    assertEquals(0, store.orphanCount());
  }

  @Test
  void deletedStateIsRebuiltOnOpen() throws Exception {
    fill();
    BlobRef digest = store.stateDigest();
    store.close();
    XodusFiles.deleteTree(dir.resolve("store/state"));
    store = LogStore.open(dir.resolve("store"), STORE, me, settings());
    assertEquals(digest, store.stateDigest());
    assertEquals("c", text(store.get("/x/2").orElseThrow()));
  }

  @Test
  void corruptedStateIsRebuiltOnOpen() throws Exception {
    fill();
    BlobRef digest = store.stateDigest();
    store.close();
    XodusFiles.scribble(dir.resolve("store/state"));
    store = LogStore.open(dir.resolve("store"), STORE, me, settings());
    assertEquals(digest, store.stateDigest());
  }

  @Test
  void aStateNamingAnAuthorWhoseLogIsGoneIsRefusedUntilTheStateIsDeleted() throws Exception {
    fill();
    BlobRef digest = store.stateDigest();
    store.close();
    Path other = dir.resolve("other");
    Identity stranger = Identity.generate(new Random(9));
    try (LogStore foreign = LogStore.open(other, STORE, stranger, settings())) {
      foreign.commit(List.of(Op.Put.utf8("/alien", "x")));
    }
    XodusFiles.deleteTree(dir.resolve("store/state"));
    Files.move(other.resolve("state"), dir.resolve("store/state"));
    // The state applied entries of an author with no log here: a lost log, or a stale state.
    DamagedStoreException e =
        assertThrows(
            DamagedStoreException.class,
            () -> LogStore.open(dir.resolve("store"), STORE, me, settings()));
    assertTrue(e.getMessage().contains("is missing"), e.getMessage());
    assertTrue(e.getMessage().contains("delete the state directory"), e.getMessage());
    assertEquals(List.of(new StoreDamage.DamagedRange(stranger.id(), 1, 1)), e.damage().ranges());
    // The state is derived: deleting it is the remedy when it is the stale part.
    XodusFiles.deleteTree(dir.resolve("store/state"));
    store = LogStore.open(dir.resolve("store"), STORE, me, settings());
    assertEquals(digest, store.stateDigest());
    assertTrue(store.get("/alien").isEmpty());
  }

  @Test
  void rebuildReproducesTheDigest() throws Exception {
    fill();
    BlobRef digest = store.stateDigest();
    assertEquals(digest, store.rebuild());
    assertEquals(digest, store.stateDigest());
  }

  private void fill() throws Exception {
    store.commit(List.of(Op.Put.utf8("/x/1", "a"), Op.Put.utf8("/x/2", "b")));
    SignedEntry b1 = bob.next(time.millis(5), Map.of(), Op.Put.utf8("/x/1", "bob"));
    store.ingest(List.of(b1));
    store.commit(List.of(Op.Put.utf8("/x/2", "c"), new Op.Delete("/x/1")));
  }

  @Test
  void historyMergesAuthorsInHlcOrder() throws Exception {
    SignedEntry b1 = bob.next(time.millis(-1000), Map.of(), Op.Put.utf8("/h", "bob"));
    store.ingest(List.of(b1));
    store.commit(List.of(Op.Put.utf8("/h", "me"), Op.Put.utf8("/other", "x")));
    store.commit(List.of(Op.Put.utf8("/other", "y")));
    try (Stream<Store.HistoryEntry> all = store.history(null)) {
      List<Store.HistoryEntry> list = all.toList();
      assertEquals(3, list.size());
      assertEquals(b1.hash(), list.get(0).hash());
      assertEquals(bob.id(), list.get(0).author());
      assertEquals(b1.entry().ops(), list.get(0).ops());
      for (int i = 1; i < list.size(); i++) {
        assertTrue(list.get(i - 1).hlc().compareTo(list.get(i).hlc()) < 0);
      }
    }
    try (Stream<Store.HistoryEntry> h = store.history("/h")) {
      assertEquals(2, h.count());
    }
  }

  @Test
  void readsOfAClosedStoreFailClearly() throws Exception {
    store.close();
    KvException e = assertThrows(KvException.class, () -> store.get("/k"));
    assertTrue(e.getMessage().contains("closed"));
    assertThrows(KvException.class, () -> store.commit(List.of(Op.Put.utf8("/k", "v"))));
    assertFalse(Collections.emptyList().iterator().hasNext());
  }

  @Test
  void aSecondOpenOfTheSameStoreFails() {
    assertThrows(
        KvException.class,
        () -> LogStore.open(dir.resolve("store"), STORE, me, settings()).close());
  }

  @Test
  void snapshotsAreStable() throws Exception {
    store.commit(List.of(Op.Put.utf8("/s", "1")));
    try (org.latticefs.kv.Store.Snapshot snap = store.snapshot()) {
      store.commit(List.of(Op.Put.utf8("/s", "2")));
      assertArrayEquals(utf8("1"), snap.get("/s").orElseThrow());
    }
    assertArrayEquals(utf8("2"), store.get("/s").orElseThrow());
  }
}
