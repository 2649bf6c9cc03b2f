package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.store.RootStore.NodeStatus;

/**
 * Static peers without an invite: {@code peer add ID ADDR} on both nodes ({@link Mesh#add}), or the
 * {@code mesh.peers} config key ({@link MeshConfig#staticPeers}). One side's add alone connects
 * nothing: the other side does not know the key.
 */
class StaticPeersTest {
  @TempDir Path dir;

  @Test
  void addedOnBothSidesTheyConnectAndSync() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b")) {
      Store onB = b.stores.open(b.stores.createStore("private-to-b").id());
      onB.commit(List.of(Op.Put.utf8("/k", "b's")));
      a.mesh.add(b.identity.id(), b.mesh.listening().orElseThrow());
      assertEquals(
          NodeStatus.ACTIVE, a.stores.rootKeys().nodeStatus(b.identity.id()).orElseThrow());
      // a dials b; b does not know a's key and refuses it.
      Poll.until("a tried b twice", () -> a.mesh.dialAttempts(b.identity.id()) >= 2);
      assertFalse(a.mesh.peers().get(0).connected());
      assertTrue(a.store("private-to-b").isEmpty(), "b sent nothing to an unknown key");
      assertTrue(b.stores.rootKeys().nodeStatus(a.identity.id()).isEmpty());

      b.mesh.add(a.identity.id(), a.mesh.listening().orElseThrow());
      Poll.until(
          "a has b's store once both added each other",
          () ->
              a.store("private-to-b").isPresent()
                  && JoinAndSyncTest.value(a.store("private-to-b").get(), "/k").equals("b's"));
      assertTrue(a.mesh.peers().get(0).connected());
    }
  }

  @Test
  void aPeerInTheConfigIsTrustedAndDialedAtStart() throws Exception {
    try (TestNode a = new TestNode(dir, "a")) {
      HostPort atA = a.mesh.listening().orElseThrow();
      // b does not listen: only its configured dial can connect the two.
      try (TestNode b =
          new TestNode(
              dir, "b", false, c -> c.withStaticPeers(Map.of(a.identity.id(), List.of(atA))))) {
        assertEquals(
            NodeStatus.ACTIVE, b.stores.rootKeys().nodeStatus(a.identity.id()).orElseThrow());
        a.stores.rootKeys().setNodeStatus(b.identity.id(), NodeStatus.ACTIVE);
        Store onA = a.stores.open(a.stores.createStore("music").id());
        onA.commit(List.of(Op.Put.utf8("/song", "la")));
        Poll.until(
            "b has a's store",
            () ->
                b.store("music").isPresent()
                    && JoinAndSyncTest.value(b.store("music").get(), "/song").equals("la"));
        assertEquals(0, a.mesh.dialAttempts(b.identity.id()), "b dialed, a did not");
      }
    }
  }
}
