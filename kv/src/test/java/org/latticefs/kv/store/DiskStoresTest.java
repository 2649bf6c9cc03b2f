package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Stores;
import org.latticefs.kv.Stores.StoreInfo;
import org.latticefs.kv.store.RootStore.NodeStatus;

class DiskStoresTest extends StoresContract {
  @TempDir Path data;

  @Override
  Stores newStores() throws Exception {
    return DiskStores.open(data);
  }

  @Override
  RootStore rootKeys() {
    return ((DiskStores) stores).rootKeys();
  }

  @Test
  void firstOpenCreatesIdentityAndRegistersThisNodeActive() throws Exception {
    assertTrue(Files.exists(data.resolve("identity.key")));
    assertEquals(Optional.of(NodeStatus.ACTIVE), rootKeys().nodeStatus(stores.nodeId()));
    NodeId id = stores.nodeId();
    stores.close();
    stores = DiskStores.open(data);
    assertEquals(id, stores.nodeId());
    assertEquals(
        1, open(Stores.ROOT_ID).syncState().get(id).seq(), "registered once, not on every open");
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
  void aSecondOpenInThisProcessIsRefusedClearly() {
    KvException e = assertThrows(KvException.class, () -> DiskStores.open(data));
    assertTrue(e.getMessage().contains("is in use by another process"), e.getMessage());
  }

  @Test
  void namesThatAreNotUtf8SurviveReopen() throws Exception {
    StoreInfo latin1 = stores.createStore(KeyBytes.decode(new byte[] {'c', 'a', 'f', (byte) 0xe9}));
    stores.close();
    stores = DiskStores.open(data);
    assertEquals(Optional.of(latin1), stores.findStore("caf\uDCE9"));
    assertEquals(List.of(latin1), stores.listStores());
  }
}
