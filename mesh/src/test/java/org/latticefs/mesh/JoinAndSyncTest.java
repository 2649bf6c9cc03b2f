package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
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
      Poll.until(
          "b has a's store and key",
          () ->
              b.store("photos").isPresent()
                  && value(b.store("photos").get(), "/k").equals("from a"));
      Store onB = b.store("photos").orElseThrow();
      onB.commit(List.of(Op.Put.utf8("/k2", "from b")));
      Poll.until("a has b's key", () -> value(photos, "/k2").equals("from b"));
      photos.commit(List.of(Op.Put.utf8("/k3", "gossip")));
      Poll.until("b gets a new entry by gossip", () -> value(onB, "/k3").equals("gossip"));
      assertTrue(a.mesh.peers().get(0).connected());
    }
  }

  @Test
  void entriesAreRelayedAcrossANodeBetween() throws Exception {
    // a <-> b <-> c: c does not listen and a has no address for it; b relays both ways.
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b");
        TestNode c = new TestNode(dir, "c", false)) {
      b.mesh.join(a.invite(), Duration.ofSeconds(30));
      c.mesh.join(b.invite(), Duration.ofSeconds(30));
      Store onA = a.stores.open(a.stores.createStore("shared").id());
      onA.commit(List.of(Op.Put.utf8("/from", "a")));
      Poll.until(
          "c gets a's store and entry through b",
          () ->
              c.store("shared").isPresent() && value(c.store("shared").get(), "/from").equals("a"));
      c.store("shared").get().commit(List.of(Op.Put.utf8("/back", "c")));
      Poll.until("a gets c's entry through b", () -> value(onA, "/back").equals("c"));
      assertEquals(0, a.mesh.dialAttempts(c.identity.id()), "a never reached c directly");
    }
  }

  @Test
  void aRestartedPeerIsReconnectedAndCatchesUp() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b")) {
      org.latticefs.kv.store.LogStore onA = a.stores.open(a.stores.createStore("docs").id());
      b.mesh.join(a.invite(), Duration.ofSeconds(30));
      Poll.until("b syncs docs", () -> b.store("docs").isPresent());
      b.stopMesh();
      for (int i = 0; i < 50; i++) {
        onA.commit(List.of(Op.Put.utf8("/k" + i, "while b was away")));
      }
      b.restartMesh();
      Poll.until(
          "b caught up after its restart",
          () -> value(b.store("docs").get(), "/k49").equals("while b was away"));
      Poll.until(
          "digests equal",
          () ->
              onA.stateDigest()
                  .equals(((org.latticefs.kv.store.LogStore) b.store("docs").get()).stateDigest()));
    }
  }

  static String value(Store s, String key) throws Exception {
    return s.get(key).map(v -> new String(v, StandardCharsets.UTF_8)).orElse("");
  }
}
