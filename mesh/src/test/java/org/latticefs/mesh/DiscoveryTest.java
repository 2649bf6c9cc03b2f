package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.mesh.peer.Discovery;

/**
 * What the mesh does with what discovery reports: a trusted peer's address is dialed; an unknown
 * node's is not, and it gains no trust. (The mDNS side, announcing and resolving, is {@code
 * MdnsDiscoveryTest}.)
 */
class DiscoveryTest {
  @TempDir Path dir;

  /** A discovery the test drives: it reports what the test tells it. */
  static final class Reported implements Discovery {
    private volatile BiConsumer<NodeId, HostPort> found;

    @Override
    public void start(NodeId me, int port, BiConsumer<NodeId, HostPort> found) {
      this.found = found;
    }

    void report(NodeId node, HostPort at) {
      found.accept(node, at);
    }

    @Override
    public void close() {}
  }

  @Test
  void aTrustedPeerFoundOnTheLanIsDialedAnUnknownOneIsNot() throws Exception {
    Reported lan = new Reported();
    try (TestNode a = new TestNode(dir, "a");
        TestNode stranger = new TestNode(dir, "stranger");
        TestNode b = new TestNode(dir, "b", true, c -> c, lan)) {
      // Trusted both ways, but b knows no address of a: only discovery can tell it.
      a.stores.rootKeys().setNodeStatus(b.identity.id(), NodeStatus.ACTIVE);
      b.stores.rootKeys().setNodeStatus(a.identity.id(), NodeStatus.ACTIVE);
      Store onA = a.stores.open(a.stores.createStore("photos").id());
      onA.commit(List.of(Op.Put.utf8("/k", "v")));

      lan.report(stranger.identity.id(), stranger.mesh.listening().orElseThrow());
      lan.report(a.identity.id(), a.mesh.listening().orElseThrow());
      Poll.until(
          "b found a and synced",
          () ->
              b.store("photos").isPresent()
                  && JoinAndSyncTest.value(b.store("photos").get(), "/k").equals("v"));
      assertEquals(1, b.mesh.dialAttempts(a.identity.id()));
      assertEquals(0, b.mesh.dialAttempts(stranger.identity.id()), "an unknown node is not dialed");
      assertTrue(b.stores.rootKeys().nodeStatus(stranger.identity.id()).isEmpty(), "nor trusted");
      assertFalse(
          b.mesh.peers().stream().anyMatch(p -> p.id().equals(stranger.identity.id())),
          "nor listed as a peer");
    }
  }
}
