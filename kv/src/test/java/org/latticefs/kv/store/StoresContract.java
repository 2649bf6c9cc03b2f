package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Identity;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KeyValue;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.store.RootStore.PinState;
import org.latticefs.kv.sync.IngestOutcome;
import org.latticefs.kv.sync.Replicas;

/**
 * What every {@link Stores} does, on disk ({@link DiskStoresTest}) and in memory ({@code
 * MemoryStoresTest}): the catalog of stores, names, the root store's keys, authorization, and keys
 * that are byte strings from commit to digest.
 */
abstract class StoresContract {
  Stores stores;

  /** A fresh node's stores. */
  abstract Stores newStores() throws Exception;

  /** Typed access to the root store of {@link #stores}. */
  abstract RootStore rootKeys();

  @BeforeEach
  void openStores() throws Exception {
    stores = newStores();
  }

  @AfterEach
  void closeStores() throws Exception {
    stores.close();
  }

  /** The wall clock of {@link #stores}, in millis (entries from peers are stamped near it). */
  long nowMillis() {
    return System.currentTimeMillis();
  }

  LogStore open(UUID id) throws KvException {
    return (LogStore) ((Replicas) stores).replica(id);
  }

  @Test
  void thisNodeIsRegisteredActive() throws Exception {
    assertEquals(Optional.of(NodeStatus.ACTIVE), rootKeys().nodeStatus(stores.nodeId()));
    assertEquals(1, open(Stores.ROOT_ID).syncState().get(stores.nodeId()).seq());
  }

  @Test
  void createListFindOpenDelete() throws Exception {
    StoreInfo photos = stores.createStore("photos");
    StoreInfo docs = stores.createStore("docs");
    assertEquals(
        List.of("docs", "photos"), stores.listStores().stream().map(StoreInfo::name).toList());
    assertEquals(Optional.of(photos), stores.findStore("photos"));
    assertEquals(Optional.of(docs), stores.findStore(docs.id().toString()));
    assertEquals(Optional.empty(), stores.findStore("nope"));

    Store s = stores.open(photos.id());
    assertSame(s, stores.open(photos.id()));
    s.commit(List.of(Op.Put.utf8("/inodes/1", "root")));
    assertEquals("root", new String(s.get("/inodes/1").orElseThrow(), StandardCharsets.UTF_8));

    stores.deleteStore(photos.id());
    assertEquals(List.of("docs"), stores.listStores().stream().map(StoreInfo::name).toList());
    assertThrows(KvException.class, () -> stores.open(photos.id()));
    assertThrows(KvException.class, () -> stores.deleteStore(photos.id()));
    StoreInfo again = stores.createStore("photos");
    assertTrue(!again.id().equals(photos.id()));
  }

  @Test
  void theRootStoreCannotBeDeletedAndOpensByItsId() throws Exception {
    assertThrows(KvException.class, () -> stores.deleteStore(RootStore.ID));
    assertSame(stores.root(), stores.open(RootStore.ID));
    assertSame(stores.root(), stores.open(Stores.ROOT_ID));
  }

  @Test
  void rootKeysForNodesPinsAndPresence() throws Exception {
    RootStore root = rootKeys();
    NodeId me = stores.nodeId();
    root.setNodeName(me, "nas");
    root.setNodeAddrs(me, List.of("10.0.0.2:7946", "[fd00::2]:7946"));
    assertEquals(Optional.of("nas"), root.nodeName(me));
    assertEquals(List.of("10.0.0.2:7946", "[fd00::2]:7946"), root.nodeAddrs(me));
    assertEquals(1, root.nodes().size());
    assertEquals("nas", root.nodes().get(0).name());

    BlobRef hash = Blake3.hash("manifest".getBytes(StandardCharsets.UTF_8));
    root.setPin(me, hash, PinState.PENDING);
    assertEquals(Optional.of(PinState.PENDING), root.pin(me, hash));
    root.setPin(me, hash, PinState.STORED);
    assertEquals(Map.of(hash, PinState.STORED), root.pins(me));
    root.removePin(me, hash);
    assertEquals(Map.of(), root.pins(me));

    root.addPresence(hash, me);
    assertEquals(List.of(me), root.holders(hash));
    root.removePresence(hash, me);
    assertEquals(List.of(), root.holders(hash));

    root.setNodeStatus(me, NodeStatus.REVOKED);
    assertEquals(Optional.of(NodeStatus.REVOKED), root.nodeStatus(me));
  }

  @Test
  void onlyActiveNodesMayWriteToStores() throws Exception {
    StoreInfo info = stores.createStore("shared");
    LogStore store = open(info.id());
    TestAuthor peer = new TestAuthor(77, info.id());
    long now = nowMillis();
    var e1 = peer.next(now, Map.of(), Op.Put.utf8("/k", "v"));
    assertTrue(store.ingest(List.of(e1)).get(0) instanceof IngestOutcome.Rejected);
    rootKeys().setNodeStatus(peer.id(), NodeStatus.ACTIVE);
    assertEquals(IngestOutcome.APPLIED, store.ingest(List.of(e1)).get(0));
    rootKeys().setNodeStatus(peer.id(), NodeStatus.REVOKED);
    var e2 = peer.next(now + 1, Map.of(), Op.Put.utf8("/k2", "v"));
    assertTrue(store.ingest(List.of(e2)).get(0) instanceof IngestOutcome.Rejected);
  }

  @Test
  void namesAreUniqueAndValid() throws Exception {
    stores.createStore("a");
    KvException dup = assertThrows(KvException.class, () -> stores.createStore("a"));
    assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
    for (String bad :
        List.of(
            "",
            ".",
            "..",
            "x/y",
            "n\0ul",
            "x".repeat(256),
            "two\nlines",
            "tab\there",
            "del\u007f",
            "c1\u0085",
            "lone\uD800",
            "spelled\uDCC3\uDCA9")) {
      KvException e = assertThrows(KvException.class, () -> stores.createStore(bad));
      assertTrue(e.getMessage().contains("invalid store name"), e.getMessage());
      assertTrue(!e.getMessage().contains("\n"), "the message stays on one line: " + e);
    }
    assertEquals(List.of("a"), stores.listStores().stream().map(StoreInfo::name).toList());
    // Names are bytes: 255 of them at most, any that are not UTF-8 kept exactly.
    StoreInfo latin1 = stores.createStore(KeyBytes.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9}));
    stores.createStore("\u00e9".repeat(127));
    assertEquals(Optional.of(latin1), stores.findStore("caf\uDCE9"));
  }

  @Test
  void keysAreByteStringsFromCommitToDigest() throws Exception {
    // Latin-1 'café' and 'cafè', a lone lead byte C3 and UTF-8 'café' (C3 A9): four names.
    String e9 = KeyBytes.decode(new byte[] {'/', 'n', '/', 'c', 'a', 'f', (byte) 0xe9});
    String e8 = KeyBytes.decode(new byte[] {'/', 'n', '/', 'c', 'a', 'f', (byte) 0xe8});
    String lead = KeyBytes.decode(new byte[] {'/', 'n', '/', 'c', 'a', 'f', (byte) 0xc3});
    String text = "/n/caf\u00e9";
    LogStore s = open(stores.createStore("names").id());
    List<Store.Change> seen = new CopyOnWriteArrayList<>();
    CountDownLatch changed = new CountDownLatch(4);
    try (AutoCloseable w =
        s.watch(
            "/n/",
            c -> {
              seen.add(c);
              changed.countDown();
            })) {
      for (String k : List.of(e9, e8, text, lead)) {
        s.commit(List.of(Op.Put.utf8(k, k.equals(text) ? "text" : KeyBytes.display(k))));
      }
      assertTrue(changed.await(30, TimeUnit.SECONDS), "watch saw " + seen);
    }
    assertEquals(List.of(e9, e8, text, lead), seen.stream().map(Store.Change::key).toList());
    assertEquals("/n/caf\\xe9", utf8(s.get(e9)));
    assertEquals("/n/caf\\xe8", utf8(s.get(e8)));
    assertEquals("text", utf8(s.get(text)));
    assertEquals(
        List.of(lead, text, e8, e9), s.list("/n/", null, 10).stream().map(KeyValue::key).toList());
    assertEquals(List.of(lead, text), s.list(lead, null, 10).stream().map(KeyValue::key).toList());
    try (Stream<Store.HistoryEntry> h = s.history(e9)) {
      assertEquals(
          List.of(List.of(Op.Put.utf8(e9, "/n/caf\\xe9"))),
          h.map(Store.HistoryEntry::ops).toList());
    }
    List<SignedEntry> entries;
    try (Stream<SignedEntry> all = s.entriesAfter(stores.nodeId(), 0)) {
      entries = all.toList();
    }
    assertEquals(4, entries.size());
    for (SignedEntry e : entries) {
      SignedEntry back = SignedEntry.fromWire(e.toWire());
      assertEquals(e, back);
      assertTrue(back.verifySignature());
      assertEquals(e.entry(), Entry.decode(e.entry().encode()));
    }
    // The same entries in a store kept by the other backend give the same state and digest.
    try (LogStore copy =
        LogStore.inMemory(
            s.id(),
            Identity.generate(new Random(5)),
            StoreSettings.defaults(),
            new MemorySources())) {
      assertTrue(copy.ingest(entries).stream().allMatch(o -> o == IngestOutcome.APPLIED));
      assertEquals(s.stateDigest(), copy.stateDigest());
      assertArrayEquals(s.get(e8).orElseThrow(), copy.get(e8).orElseThrow());
    }
  }

  static String utf8(Optional<byte[]> v) {
    return new String(v.orElseThrow(), StandardCharsets.UTF_8);
  }
}
