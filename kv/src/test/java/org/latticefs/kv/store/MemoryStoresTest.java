package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.latticefs.kv.Head;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KvException;
import org.latticefs.kv.Op;
import org.latticefs.kv.Stores;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.memory.MemoryStores;

/** The stores in memory: the {@link StoresContract}, plus peers and failures on demand. */
class MemoryStoresTest extends StoresContract {
  final FakeTime time = new FakeTime();

  @Override
  Stores newStores() throws Exception {
    return MemoryStores.create(Identity.generate(new Random(1)), StoreSettings.defaults(time));
  }

  @Override
  RootStore rootKeys() {
    return memory().rootKeys();
  }

  @Override
  long nowMillis() {
    return time.millis(0);
  }

  MemoryStores memory() {
    return (MemoryStores) stores;
  }

  @Test
  void concurrentWritesOnTwoNodesKeepBothHeadsAndAgreeOnTheWinner() throws Exception {
    UUID docs = stores.createStore("docs").id();
    try (MemoryStores other = memory().peer(new Random(2))) {
      assertEquals(List.of("docs"), other.listStores().stream().map(StoreInfo::name).toList());
      LogStore mine = memory().open(docs);
      LogStore theirs = other.open(docs);
      mine.commit(List.of(Op.Put.utf8("/f", "mine")));
      time.advance(java.time.Duration.ofMillis(5));
      theirs.commit(List.of(Op.Put.utf8("/f", "theirs")));
      assertEquals(1, mine.heads("/f").size(), "nothing is exchanged between syncs");
      MemoryStores.sync(memory(), other);
      List<Head> heads = mine.heads("/f");
      assertEquals(2, heads.size(), "concurrent heads are both kept");
      assertEquals(heads, theirs.heads("/f"));
      assertEquals("theirs", utf8(mine.get("/f")), "the later HLC wins on both");
      assertEquals(mine.stateDigest(), theirs.stateDigest());
      // A write that saw both heads supersedes both.
      mine.commit(List.of(Op.Put.utf8("/f", "merged")));
      MemoryStores.sync(memory(), other);
      assertEquals(1, theirs.heads("/f").size());
      assertEquals("merged", utf8(theirs.get("/f")));
    }
  }

  @Test
  void storesCreatedOnAPeerAppearAfterASync() throws Exception {
    try (MemoryStores other = memory().peer(new Random(3))) {
      StoreInfo made = other.createStore("photos");
      other.open(made.id()).commit(List.of(Op.Put.utf8("/p", "1")));
      assertTrue(stores.findStore("photos").isEmpty());
      MemoryStores.sync(memory(), other);
      assertEquals(made, stores.findStore("photos").orElseThrow());
      assertEquals("1", utf8(stores.open(made.id()).get("/p")));
    }
  }

  @Test
  void aFailedAppendFailsTheCommitAndChangesNothing() throws Exception {
    UUID docs = stores.createStore("docs").id();
    LogStore s = memory().open(docs);
    s.commit(List.of(Op.Put.utf8("/k", "1")));
    memory().faults(docs).failNextAppends(1);
    KvException e =
        assertThrows(KvException.class, () -> s.commit(List.of(Op.Put.utf8("/k", "2"))));
    assertTrue(e.getMessage().contains("injected failure"), e.getMessage());
    assertEquals("1", utf8(s.get("/k")));
    assertEquals(1, s.syncState().get(stores.nodeId()).seq());
    memory().faults(docs).failNextAppendWith(new IllegalStateException("boom"));
    assertThrows(KvException.class, () -> s.commit(List.of(Op.Put.utf8("/k", "3"))));
    s.commit(List.of(Op.Put.utf8("/k", "4")));
    assertEquals("4", utf8(s.get("/k")));
    assertEquals(2, s.syncState().get(stores.nodeId()).seq());
  }
}
