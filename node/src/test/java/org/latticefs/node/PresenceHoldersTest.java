package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.gc.pin.PinKeys;
import org.latticefs.gc.pin.Presence;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;

/** Presence in the root store read as the hint of which peers hold a blob. */
class PresenceHoldersTest {
  final MemoryStores stores = MemoryStores.create();
  final String self = stores.nodeId().toString();
  final AtomicLong clock = new AtomicLong();
  final PresenceHolders holders =
      new PresenceHolders(new Presence(stores.root(), self), clock::get);

  PresenceHoldersTest() throws Exception {}

  @AfterEach
  void close() throws Exception {
    holders.close();
    stores.close();
  }

  static NodeId node(int n) {
    byte[] key = new byte[NodeId.LENGTH];
    key[0] = (byte) n;
    return new NodeId(key);
  }

  void put(String key) throws Exception {
    stores.root().commit(List.of(new Op.Put(key, "x".getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void hashPresenceAndWholeStoreClaimsNameTheHoldersButNeverThisNode() throws Exception {
    BlobRef pinned = Blake3.hash(new byte[] {1});
    BlobRef other = Blake3.hash(new byte[] {2});
    UUID store = stores.createStore("media").id();
    put(PinKeys.presence(pinned, node(1).toString()));
    put(PinKeys.presence(pinned, self));
    put(PinKeys.holds(node(2).toString(), store));
    put(PinKeys.holds(self, store));
    put(PinKeys.mode(node(3).toString(), store)); // a mode alone is no claim
    put("/blobs/" + other.hex() + "/nodes/not-a-node-id");
    assertEquals(Set.of(node(1), node(2)), holders.holders(pinned));
    assertEquals(Set.of(node(2)), holders.holders(other));
  }

  @Test
  void aClaimThatArrivesCountsWithoutWaitingForTheRefresh() throws Exception {
    BlobRef ref = Blake3.hash(new byte[] {3});
    UUID store = stores.createStore("media").id();
    assertEquals(Set.of(), holders.holders(ref));
    put(PinKeys.holds(node(4).toString(), store));
    long end = System.nanoTime() + 30_000_000_000L;
    while (!holders.holders(ref).equals(Set.of(node(4))) && System.nanoTime() - end < 0) {
      Thread.onSpinWait(); // the watch delivers on the store's thread; the clock stands still
    }
    assertEquals(Set.of(node(4)), holders.holders(ref));
  }
}
