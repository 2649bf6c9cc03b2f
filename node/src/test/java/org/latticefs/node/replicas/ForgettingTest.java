package org.latticefs.node.replicas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.memory.MemoryStores;
import org.latticefs.kv.store.RootStore;

/** Which nodes no longer count as holders, with a clock the test moves. */
class ForgettingTest {
  static final Duration AFTER = Duration.ofDays(30);

  @TempDir Path dir;
  final AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2026-01-01T00:00:00Z"));
  final InstantSource clock = () -> now.get();
  final MemoryStores stores;
  final RootStore root;
  final NodeId peer = NodeId.parse(peerId());

  ForgettingTest() throws Exception {
    stores = MemoryStores.create();
    root = new RootStore(stores.root());
  }

  static String peerId() {
    try (MemoryStores other = MemoryStores.create()) {
      return other.nodeId().toString();
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  @AfterEach
  void tearDown() throws Exception {
    stores.close();
  }

  Forgetting open() throws IOException {
    return Forgetting.open(dir.resolve("mesh/" + Forgetting.FILE), root, AFTER, clock);
  }

  @Test
  void aNodeUnseenForForgetAfterNoLongerCountsAndCountsAgainOnceSeen() throws Exception {
    Forgetting f = open();
    assertFalse(f.isForgotten(peer.toString()), "first learned of now");
    now.set(now.get().plus(AFTER));
    assertFalse(f.isForgotten(peer.toString()), "exactly forget_after: still counts");
    now.set(now.get().plus(Duration.ofSeconds(1)));
    assertTrue(open().isForgotten(peer.toString()), "unseen longer, also after a restart");
    f.seen(peer);
    assertFalse(f.isForgotten(peer.toString()));
  }

  @Test
  void forgetDropsANodeAtOnceUntilItIsSeenAgainAndSurvivesARestart() throws Exception {
    Forgetting f = open();
    f.seen(peer);
    f.forget(peer);
    assertTrue(f.isForgotten(peer.toString()));
    assertTrue(open().isForgotten(peer.toString()));
    open().seen(peer);
    assertTrue(open().isForgotten(peer.toString()), "seen in the same instant as forgotten");
    now.set(now.get().plus(Forgetting.RETURN_AFTER));
    Forgetting g = open();
    g.seen(peer, g.now() - 1);
    assertTrue(g.isForgotten(peer.toString()), "a connection from just after the forget");
    now.set(now.get().plusMillis(1));
    g.seen(peer, g.now());
    assertFalse(open().isForgotten(peer.toString()), "a connection well after the forget");
  }

  @Test
  void aRevokedNodeNeverCounts() throws Exception {
    Forgetting f = open();
    f.seen(peer);
    root.setNodeStatus(peer, RootStore.NodeStatus.REVOKED);
    assertTrue(f.isForgotten(peer.toString()));
    assertTrue(f.isForgotten("not a node id"));
  }

  @Test
  void anOversizedOrMalformedRecordIsRefusedNotGuessedAt() throws Exception {
    Path file = dir.resolve("mesh/" + Forgetting.FILE);
    Files.createDirectories(file.getParent());
    Files.write(file, new byte[Forgetting.MAX_FILE + 1]);
    assertThrows(IOException.class, this::open);
    Files.writeString(file, "seen.x=yesterday\n");
    assertThrows(IOException.class, this::open);
    Files.writeString(file, "other.x=1\n");
    assertThrows(IOException.class, this::open);
  }

  @Test
  void meshHoldersAskNothingOfAForgottenNodeAndNothingBeforeTheMeshRuns() throws Exception {
    Forgetting f = open();
    MeshHolders h = new MeshHolders(f);
    List<BlobRef> refs = List.of(new BlobRef(new byte[32]));
    assertThrows(IOException.class, () -> h.keptBy(peer.toString(), refs));
    h.connect(new org.latticefs.mesh.keep.KeepExchange());
    f.forget(peer);
    assertEquals(Set.of(), h.keptBy(peer.toString(), refs));
    now.set(now.get().plus(Forgetting.RETURN_AFTER).plusMillis(1));
    f.seen(peer);
    assertThrows(IOException.class, () -> h.keptBy(peer.toString(), refs), "not connected");
  }
}
