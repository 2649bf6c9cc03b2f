package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.testing.Poll;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.Store;
import org.latticefs.kv.log.ChainTip;
import org.latticefs.kv.log.Entry;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.store.LogStore;
import org.latticefs.kv.store.RootStore.NodeStatus;
import org.latticefs.mesh.wire.Message;

/**
 * The ingest guard and kv's checks seen from the network: who gets in, what they may send, and what
 * an honest node does with forged, replayed and equivocating entries.
 */
class SecurityTest {
  @TempDir Path dir;

  @Test
  void anUnknownKeyIsRefusedAndGetsNoStoreData() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        Rogue r = new Rogue()) {
      a.stores.open(a.stores.createStore("secret").id()).commit(List.of(Op.Put.utf8("/k", "v")));
      MeshException e =
          assertThrows(
              MeshException.class,
              () -> r.connect(a.identity.id(), a.mesh.listening().get(), new byte[0]));
      assertFalse(e.retryable());
      assertTrue(e.getMessage().contains("does not know"), e.getMessage());
      assertEquals(List.of(), r.storeData());
      assertTrue(a.stores.rootKeys().nodeStatus(r.id()).isEmpty(), "nothing recorded about it");
    }
  }

  @Test
  void aWrongOrForgedInviteIsRefused() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        Rogue r = new Rogue()) {
      InviteLine real = a.invite();
      String guess = "abcdefghijklmnopqrstuvwxyz234567";
      MeshException e =
          assertThrows(
              MeshException.class,
              () -> r.connect(a.identity.id(), a.mesh.listening().get(), guess.getBytes()));
      assertTrue(e.getMessage().contains("no such invite"), e.getMessage());
      assertEquals(List.of(), r.storeData());
      assertFalse(real.secret().equals(guess));
    }
  }

  @Test
  void anInviteAdmitsOneNodeOnly() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b");
        TestNode c = new TestNode(dir, "c")) {
      InviteLine line = a.invite();
      b.mesh.join(line, Duration.ofSeconds(30));
      MeshException e =
          assertThrows(MeshException.class, () -> c.mesh.join(line, Duration.ofSeconds(30)));
      assertFalse(e.retryable());
      assertTrue(e.getMessage().contains("already used"), e.getMessage());
      assertTrue(a.stores.rootKeys().nodeStatus(c.identity.id()).isEmpty());
    }
  }

  @Test
  void revocationCutsALiveConnectionAndKeepsTheNodeOut() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b")) {
      Store s = a.stores.open(a.stores.createStore("docs").id());
      b.mesh.join(a.invite(), Duration.ofSeconds(30));
      Poll.until("b syncs docs", () -> b.store("docs").isPresent());
      assertTrue(a.mesh.revoke(b.identity.id()));
      assertFalse(a.mesh.peers().get(0).connected(), "cut at once, before revoke returned");
      Poll.until("b sees the connection gone", () -> !b.mesh.peers().get(0).connected());
      s.commit(List.of(Op.Put.utf8("/after", "revocation")));
      Store onB = b.store("docs").orElseThrow();
      // b keeps dialing a (it still trusts a): each attempt is refused before any data.
      Poll.until("b tried again", () -> b.mesh.dialAttempts(a.identity.id()) >= 2);
      assertTrue(onB.get("/after").isEmpty(), "nothing sent after the revocation");
      assertEquals(
          NodeStatus.REVOKED, a.stores.rootKeys().nodeStatus(b.identity.id()).orElseThrow());
    }
  }

  @Test
  void forgedAndReplayedEntriesChangeNothing() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        Rogue r = new Rogue()) {
      UUID docs = a.stores.createStore("docs").id();
      LogStore store = a.stores.open(docs);
      store.commit(List.of(Op.Put.utf8("/k", "a's")));
      a.mesh.add(r.id(), new HostPort("127.0.0.1", 9));
      r.connect(a.identity.id(), a.mesh.listening().get(), new byte[0]);
      Poll.until("a sent its tips", () -> r.storeData().size() >= 2);
      BlobRef before = store.stateDigest();
      Map<NodeId, ChainTip> tipsBefore = store.syncState();
      // Signed by the rogue, but the signature then broken.
      SignedEntry good = r.entry(docs, 1, Entry.GENESIS, "/k", "rogue's");
      byte[] wire = good.toWire();
      wire[wire.length - 1] ^= 1;
      r.send(new Message.Entries(docs, 1, List.of(wire)));
      // Claiming to be a's next entry, signed by the rogue's key.
      ChainTip aTip = tipsBefore.get(a.identity.id());
      Entry fake =
          new Entry(
              docs,
              a.identity.id(),
              aTip.seq() + 1,
              aTip.hash(),
              new org.latticefs.kv.Hlc(System.currentTimeMillis() + 1, 0),
              List.of(new org.latticefs.kv.log.KeyParents("/k", List.of())),
              List.of(Op.Put.utf8("/k", "forged as a")));
      byte[] fakeWire =
          new SignedEntry(
                  fake,
                  fake.encode(),
                  r.identity.sign(fake.encode()),
                  org.latticefs.cas.hash.Blake3.hash(fake.encode()))
              .toWire();
      r.send(new Message.Entries(docs, 2, List.of(fakeWire)));
      // A replay of a's own entries.
      List<byte[]> replay;
      try (var st = store.entriesAfter(a.identity.id(), 0)) {
        replay = st.map(SignedEntry::toWire).toList();
      }
      r.send(new Message.Entries(docs, 3, replay));
      Poll.until(
          "three acks",
          () ->
              r.received.stream()
                      .filter(m -> m instanceof Message.Ack ack && ack.store().equals(docs))
                      .count()
                  >= 3);
      assertEquals(before, store.stateDigest());
      assertEquals(tipsBefore, store.syncState());
      assertEquals("a's", new String(store.get("/k").orElseThrow()));
    }
  }

  @Test
  void anEquivocationIsFoundAndItsProofReachesEveryNode() throws Exception {
    try (TestNode a = new TestNode(dir, "a");
        TestNode b = new TestNode(dir, "b");
        TestNode c = new TestNode(dir, "c", false);
        Rogue x = new Rogue()) {
      // a <-> b <-> c, no a-c: c does not listen, a never dials it (c has no address).
      b.mesh.join(a.invite(), Duration.ofSeconds(30));
      c.mesh.join(b.invite(), Duration.ofSeconds(30));
      UUID docs = a.stores.createStore("docs").id();
      a.mesh.add(x.id(), new HostPort("127.0.0.1", 9));
      Poll.until(
          "c knows docs and trusts x",
          () -> c.store("docs").isPresent() && c.stores.rootKeys().isActive(x.id()));
      SignedEntry one = x.entry(docs, 1, Entry.GENESIS, "/k", "one");
      SignedEntry two = x.entry(docs, 1, Entry.GENESIS, "/k", "two");
      x.connect(a.identity.id(), a.mesh.listening().get(), new byte[0]);
      x.send(Rogue.batch(docs, 1, one));
      // c does not listen, so x hands it the other entry as a direct peer of c would.
      assertEquals(
          org.latticefs.kv.sync.IngestOutcome.APPLIED,
          c.stores.open(docs).ingest(List.of(two)).get(0));
      for (TestNode n : List.of(a, b, c)) {
        Poll.until(
            n.mesh.nodeId() + " holds the proof",
            () ->
                n.stores.open(docs).equivocations().stream()
                    .anyMatch(p -> p.author().equals(x.id())));
      }
    }
  }
}
