package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.store.RootStore.NodeStatus;

class JoinAndSyncTest {
  @TempDir Path dir;

  @Test
  void joinMakesBothActiveAndStoresFlowBothWays() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b")) {
      Store photos = a.stores.open(a.stores.createStore("photos").id());
      photos.commit(List.of(Op.Put.utf8("/k", "from a")));
      Mesh.Joined j = b.mesh.join(a.invite(), Duration.ofSeconds(30));
      assertEquals(a.identity.id(), j.node());
      assertEquals("a", j.name());
      assertEquals(
          NodeStatus.ACTIVE, a.stores.rootKeys().nodeStatus(b.identity.id()).orElseThrow());
      assertEquals(
          NodeStatus.ACTIVE, b.stores.rootKeys().nodeStatus(a.identity.id()).orElseThrow());
      Eventually.until(
          "b has a's store and key",
          () ->
              b.store("photos").isPresent()
                  && value(b.store("photos").get(), "/k").equals("from a"));
      Store onB = b.store("photos").orElseThrow();
      onB.commit(List.of(Op.Put.utf8("/k2", "from b")));
      Eventually.until("a has b's key", () -> value(photos, "/k2").equals("from b"));
      photos.commit(List.of(Op.Put.utf8("/k3", "gossip")));
      Eventually.until("b gets a new entry by gossip", () -> value(onB, "/k3").equals("gossip"));
      assertTrue(a.mesh.peers().get(0).connected());
    }
  }

  static String value(Store s, String key) throws Exception {
    return s.get(key).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
  }
}
