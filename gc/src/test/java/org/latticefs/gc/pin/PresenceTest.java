package org.latticefs.gc.pin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;

/** Presence read back whole, however many nodes speak (more than a page of the root store). */
class PresenceTest {
  final MemoryStores stores = MemoryStores.create();
  final Presence presence = new Presence(stores.root(), "self");

  PresenceTest() throws Exception {}

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  @Test
  void everyHolderOfAManifestIsListedPastOnePage() throws Exception {
    BlobRef manifest = new BlobRef(new byte[32]);
    int nodes = KeyPages.PAGE + 44;
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      ops.add(new Op.Put(PinKeys.presence(manifest, String.format("node%04d", i)), PinBook.PINNED));
    }
    stores.root().commit(ops);
    Map<String, String> holders = presence.manifestHolders(manifest);
    assertEquals(nodes, holders.size());
    assertEquals("pinned", holders.get(String.format("node%04d", nodes - 1)));
  }

  @Test
  void everyNodeHoldingAWholeStoreIsListedPastOnePage() throws Exception {
    UUID store = new UUID(1, 2);
    int nodes = KeyPages.PAGE + 10;
    List<Op> ops = new ArrayList<>();
    for (int i = 0; i < nodes; i++) {
      String node = String.format("node%04d", i);
      ops.add(new Op.Put(PinKeys.mode(node, store), StoreMode.FULL.bytes()));
      ops.add(
          new Op.Put(
              PinKeys.holds(node, store),
              ("complete " + Instant.EPOCH).getBytes(StandardCharsets.UTF_8)));
    }
    stores.root().commit(ops);
    assertEquals(nodes, presence.wholeStoreHolders(store).size());
  }
}
