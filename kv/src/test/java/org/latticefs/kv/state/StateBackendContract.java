package org.latticefs.kv.state;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Applyable;
import org.latticefs.kv.Head;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;

/** The rules every {@link StateBackend} follows; extended once per backend. */
abstract class StateBackendContract {
  static final NodeId ALICE = node(1);
  static final NodeId BOB = node(2);

  StateBackend state;

  abstract StateBackend newBackend() throws Exception;

  @BeforeEach
  void open() throws Exception {
    state = newBackend();
  }

  @AfterEach
  void closeState() throws Exception {
    state.close();
  }

  static NodeId node(int n) {
    byte[] b = new byte[32];
    b[0] = (byte) n;
    return new NodeId(b);
  }

  static BlobRef ref(String name) {
    return org.latticefs.cas.hash.Blake3.hash(name.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  static StateEntry entry(
      NodeId author,
      long seq,
      String name,
      long millis,
      Map<String, Set<BlobRef>> parents,
      Op... ops) {
    return new StateEntry(author, seq, ref(name), new Hlc(millis, 0), parents, List.of(ops));
  }

  @Test
  void putThenGet() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "v"))));
    assertArrayEquals(utf8("v"), state.get("/k").orElseThrow());
    assertTrue(state.get("/other").isEmpty());
    assertEquals(new AppliedTip(1, ref("a1"), new Hlc(10, 0)), state.tips().get(ALICE));
  }

  @Test
  void concurrentPutsKeepBothHeadsAndLaterHlcWins() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 20, Map.of(), Op.Put.utf8("/k", "alice"))));
    state.apply(List.of(entry(BOB, 1, "b1", 10, Map.of(), Op.Put.utf8("/k", "bob"))));
    List<Head> heads = state.heads("/k");
    assertEquals(2, heads.size());
    assertEquals(ALICE, heads.get(0).author());
    assertArrayEquals(utf8("alice"), state.get("/k").orElseThrow());
  }

  @Test
  void equalHlcIsBrokenByAuthorBytes() throws Exception {
    state.apply(List.of(entry(BOB, 1, "b1", 10, Map.of(), Op.Put.utf8("/k", "bob"))));
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "alice"))));
    assertArrayEquals(utf8("bob"), state.get("/k").orElseThrow());
  }

  @Test
  void anEntryRemovesExactlyTheHeadsItLists() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    state.apply(List.of(entry(BOB, 1, "b1", 11, Map.of(), Op.Put.utf8("/k", "b"))));
    state.apply(
        List.of(
            entry(ALICE, 2, "a2", 12, Map.of("/k", Set.of(ref("a1"))), Op.Put.utf8("/k", "c"))));
    List<Head> heads = state.heads("/k");
    assertEquals(List.of(ref("a2"), ref("b1")), heads.stream().map(Head::entry).toList());
  }

  @Test
  void aSupersededEntryArrivingLateNeverBecomesAHead() throws Exception {
    state.apply(
        List.of(entry(BOB, 1, "b1", 20, Map.of("/k", Set.of(ref("a1"))), Op.Put.utf8("/k", "b"))));
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    assertEquals(List.of(ref("b1")), state.heads("/k").stream().map(Head::entry).toList());
  }

  @Test
  void deleteLeavesATombstoneHead() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    state.apply(
        List.of(entry(ALICE, 2, "a2", 11, Map.of("/k", Set.of(ref("a1"))), new Op.Delete("/k"))));
    assertTrue(state.get("/k").isEmpty());
    assertEquals(1, state.heads("/k").size());
    assertTrue(state.heads("/k").get(0).isDeletion());
    assertEquals(List.of(), state.list("/", null, 10));
  }

  @Test
  void laterOpsOfOneEntryOverwriteEarlierOnes() throws Exception {
    state.apply(
        List.of(
            entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "x"), Op.Put.utf8("/k", "y"))));
    assertEquals(1, state.heads("/k").size());
    assertArrayEquals(utf8("y"), state.get("/k").orElseThrow());
  }

  @Test
  void listIsOrderedByCodePointAndPaged() throws Exception {
    List<Op> ops = new ArrayList<>();
    for (String k : List.of("/p/b", "/p/a", "/p/\uD83D\uDE00", "/p/\uFFFD", "/q/a", "/p/c")) {
      ops.add(Op.Put.utf8(k, k));
    }
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), ops.toArray(Op[]::new))));
    List<String> all = state.list("/p/", null, 100).stream().map(KeyValue::key).toList();
    assertEquals(List.of("/p/a", "/p/b", "/p/c", "/p/\uFFFD", "/p/\uD83D\uDE00"), all);
    List<String> page = state.list("/p/", "/p/b", 2).stream().map(KeyValue::key).toList();
    assertEquals(List.of("/p/c", "/p/\uFFFD"), page);
    assertEquals(List.of(), state.list("/p/", null, 0));
  }

  @Test
  void keysAreBytesListedAndScannedInByteOrder() throws Exception {
    // Latin-1 'café' and 'cafè', a lone lead byte C3 and UTF-8 'café' (C3 A9): four distinct keys.
    String e9 = "/n/caf\uDCE9";
    String e8 = "/n/caf\uDCE8";
    String lead = "/n/caf\uDCC3";
    String text = "/n/caf\u00e9";
    StateEntry names =
        entry(
            ALICE,
            1,
            "a1",
            10,
            Map.of(),
            Op.Put.utf8(e9, "e9"),
            Op.Put.utf8(text, "text"),
            Op.Put.utf8(e8, "e8"),
            Op.Put.utf8(lead, "lead"));
    state.apply(List.of(names));
    assertEquals(
        List.of(lead, text, e8, e9),
        state.list("/n/", null, 10).stream().map(KeyValue::key).toList());
    assertArrayEquals(utf8("e9"), state.get(e9).orElseThrow());
    assertArrayEquals(utf8("e8"), state.get(e8).orElseThrow());
    // A prefix ending in a raw lead byte is a byte prefix: it covers the character it starts.
    assertEquals(
        List.of(lead, text), state.list(lead, null, 10).stream().map(KeyValue::key).toList());
    List<String> scanned = new ArrayList<>();
    try (StateView view = state.snapshot()) {
      view.scan(
          lead,
          (key, heads) -> {
            scanned.add(key);
            return true;
          });
    }
    assertEquals(List.of(lead, text), scanned);
    assertEquals(
        List.of(text, e8), state.list("/n/", lead, 2).stream().map(KeyValue::key).toList());
    try (MemoryStateBackend memory = new MemoryStateBackend()) {
      memory.apply(List.of(names));
      assertEquals(memory.digest(), state.digest(), "both backends digest bytes alike");
    }
  }

  @Test
  void aFailingOperationAppliesNothingOfTheBatch() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    BlobRef before = state.digest();
    Applyable boom =
        ctx -> {
          throw new KvException("boom");
        };
    StateEntry good = entry(ALICE, 2, "a2", 11, Map.of(), Op.Put.utf8("/j", "j"));
    StateEntry bad =
        new StateEntry(
            ALICE, 3, ref("a3"), new Hlc(12, 0), Map.of(), List.of(Op.Put.utf8("/x", "x"), boom));
    assertThrows(KvException.class, () -> state.apply(List.of(good, bad)));
    assertEquals(before, state.digest());
    assertTrue(state.get("/j").isEmpty());
  }

  @Test
  void snapshotsDoNotChange() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    try (StateView view = state.snapshot()) {
      state.apply(
          List.of(
              entry(ALICE, 2, "a2", 11, Map.of("/k", Set.of(ref("a1"))), Op.Put.utf8("/k", "b"))));
      assertArrayEquals(utf8("a"), view.get("/k").orElseThrow());
      assertEquals(1, view.tips().get(ALICE).seq());
    }
    assertArrayEquals(utf8("b"), state.get("/k").orElseThrow());
  }

  @Test
  void applyReportsEveryTouchedKeyInOrder() throws Exception {
    List<KeyChange> changes =
        state.apply(
            List.of(
                entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/b", "1"), Op.Put.utf8("/a", "2")),
                entry(ALICE, 2, "a2", 11, Map.of("/b", Set.of(ref("a1"))), new Op.Delete("/b"))));
    assertEquals(List.of("/b", "/a", "/b"), changes.stream().map(KeyChange::key).toList());
    assertTrue(changes.get(2).heads().get(0).isDeletion());
  }

  @Test
  void digestDependsOnContentNotArrivalOrderAndMatchesTheMemoryBackend() throws Exception {
    Random random = new Random(7);
    List<StateEntry> entries = new ArrayList<>();
    for (int i = 1; i <= 50; i++) {
      NodeId author = node(1 + random.nextInt(3));
      String key = "/k" + random.nextInt(5);
      entries.add(
          new StateEntry(
              author,
              i,
              ref("e" + i),
              new Hlc(random.nextInt(20), 0),
              i > 1 && random.nextBoolean() ? Map.of(key, Set.of(ref("e" + (i - 1)))) : Map.of(),
              List.of(random.nextInt(4) == 0 ? new Op.Delete(key) : Op.Put.utf8(key, "v" + i))));
    }
    for (StateEntry e : entries) {
      state.apply(List.of(e));
    }
    try (MemoryStateBackend memory = new MemoryStateBackend()) {
      List<StateEntry> shuffled = new ArrayList<>(entries);
      java.util.Collections.shuffle(shuffled, random);
      memory.apply(shuffled);
      for (int k = 0; k < 5; k++) {
        assertEquals(memory.heads("/k" + k), state.heads("/k" + k));
      }
    }
    try (MemoryStateBackend memory = new MemoryStateBackend()) {
      memory.apply(entries);
      assertEquals(memory.digest(), state.digest());
    }
    BlobRef before = state.digest();
    state.apply(List.of(entry(ALICE, 99, "x", 30, Map.of(), Op.Put.utf8("/new", "n"))));
    assertNotEquals(before, state.digest());
  }

  @Test
  void clearEmptiesEverything() throws Exception {
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    state.clear();
    assertTrue(state.heads("/k").isEmpty());
    assertTrue(state.tips().isEmpty());
    try (MemoryStateBackend empty = new MemoryStateBackend()) {
      assertEquals(empty.digest(), state.digest());
    }
    state.apply(List.of(entry(ALICE, 1, "a1", 10, Map.of(), Op.Put.utf8("/k", "a"))));
    assertArrayEquals(utf8("a"), state.get("/k").orElseThrow());
  }
}
