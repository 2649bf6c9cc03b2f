package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.kv.store.RootStore.PinState;
import org.latticefs.kv.sync.IngestOutcome;

class DiskStoresTest {
  @TempDir Path data;
  DiskStores stores;

  @BeforeEach
  void open() throws Exception {
    stores = DiskStores.open(data);
  }

  @AfterEach
  void close() throws Exception {
    stores.close();
  }

  @Test
  void firstOpenCreatesIdentityAndRegistersThisNodeActive() throws Exception {
    assertTrue(Files.exists(data.resolve("identity.key")));
    assertEquals(Optional.of(NodeStatus.ACTIVE), stores.rootKeys().nodeStatus(stores.nodeId()));
    NodeId id = stores.nodeId();
    stores.close();
    stores = DiskStores.open(data);
    assertEquals(id, stores.nodeId());
    assertEquals(1, stores.root().syncState().get(id).seq(), "registered once, not on every open");
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
  void storesAndTheirDataSurviveReopen() throws Exception {
    StoreInfo info = stores.createStore("music");
    stores.open(info.id()).commit(List.of(Op.Put.utf8("/k", "v")));
    stores.close();
    stores = DiskStores.open(data);
    assertEquals(Optional.of(info), stores.findStore("music"));
    assertTrue(stores.open(info.id()).get("/k").isPresent());
    assertTrue(
        Files.isDirectory(data.resolve("stores").resolve(info.id().toString()).resolve("logs")));
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
    stores.close();
    stores = DiskStores.open(data);
    assertEquals(Optional.of(latin1), stores.findStore("caf\uDCE9"));
  }

  @Test
  void theRootStoreCannotBeDeletedAndOpensByItsId() throws Exception {
    assertThrows(KvException.class, () -> stores.deleteStore(RootStore.ID));
    assertSame(stores.root(), stores.open(RootStore.ID));
  }

  @Test
  void aSecondOpenInThisProcessIsRefusedClearly() {
    KvException e = assertThrows(KvException.class, () -> DiskStores.open(data));
    assertTrue(e.getMessage().contains("is in use by another process"), e.getMessage());
  }

  @Test
  void rootKeysForNodesPinsAndPresence() throws Exception {
    RootStore root = stores.rootKeys();
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
    LogStore store = stores.open(info.id());
    TestAuthor peer = new TestAuthor(77, info.id());
    long now = System.currentTimeMillis();
    var e1 = peer.next(now, Map.of(), Op.Put.utf8("/k", "v"));
    assertTrue(store.ingest(List.of(e1)).get(0) instanceof IngestOutcome.Rejected);
    stores.rootKeys().setNodeStatus(peer.id(), NodeStatus.ACTIVE);
    assertEquals(IngestOutcome.APPLIED, store.ingest(List.of(e1)).get(0));
    stores.rootKeys().setNodeStatus(peer.id(), NodeStatus.REVOKED);
    var e2 = peer.next(now + 1, Map.of(), Op.Put.utf8("/k2", "v"));
    assertTrue(store.ingest(List.of(e2)).get(0) instanceof IngestOutcome.Rejected);
  }
}
