package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.KvException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.SignedEntry;

/**
 * A store refused because one author's log is damaged is healed from a peer's copy of that chain
 * (here: a copy of the data directory taken before the damage): verified entries in, the damaged
 * log kept aside, the store opens with the peer's state. Bad entries are refused and change
 * nothing.
 */
class LogHealingTest {
  @TempDir Path dir;
  UUID id;
  NodeId me;
  Path data;
  Path peer;

  /** 20 entries of this node in store "docs", a pristine copy as the peer, a byte flipped here. */
  void damagedStoreAndAPeer() throws Exception {
    data = dir.resolve("node");
    peer = dir.resolve("peer");
    try (DiskStores s = DiskStores.open(data)) {
      id = s.createStore("docs").id();
      LogStore st = s.open(id);
      for (int i = 0; i < 20; i++) {
        st.commit(List.of(Op.Put.utf8("/k" + i, "v" + i)));
      }
      me = s.nodeId();
    }
    CorruptionMatrixTest.copyTree(data, peer);
    Path log = logsDir().resolve(HexFormat.of().formatHex(me.publicKey()) + ".log");
    CorruptionMatrixTest.flip(log, CorruptionMatrixTest.frameStarts(log)[5] + 60);
  }

  Path logsDir() {
    return data.resolve("stores").resolve(id.toString()).resolve("logs");
  }

  @Test
  void aDamagedLogIsRebuiltFromAPeersChainAndTheStoreOpens() throws Exception {
    damagedStoreAndAPeer();
    try (DiskStores s = DiskStores.open(data);
        DiskStores p = DiskStores.open(peer)) {
      assertThrows(DamagedStoreException.class, () -> s.open(id));
      LogStore source = p.open(id);
      List<SignedEntry> chain = source.entriesAfter(me, 0).toList();
      try (LogHealing h = s.startHealing(id).orElseThrow()) {
        assertEquals(me, h.author());
        h.add(chain.subList(0, 7));
        assertEquals(7, h.seq());
        assertFalse(h.complete(), "the damaged range goes to entry 20");
        assertThrows(KvException.class, () -> s.finishHealing(h), "incomplete");
        h.add(chain.subList(7, chain.size()));
        assertTrue(h.complete());
        LogStore healed = s.finishHealing(h);
        assertEquals(source.stateDigest(), healed.stateDigest());
        assertArrayEquals("v19".getBytes(StandardCharsets.UTF_8), healed.get("/k19").orElseThrow());
      }
      assertTrue(s.damaged().isEmpty());
      assertTrue(files(logsDir()).anyMatch(f -> f.contains(".log.damaged-")), "damaged log kept");
      assertFalse(files(logsDir()).anyMatch(f -> f.contains(".healing")));
    }
    try (DiskStores s = DiskStores.open(data)) {
      assertEquals(20, s.open(id).syncState().get(me).seq(), "and it opens after a restart");
    }
  }

  @Test
  void forgedOrOutOfOrderEntriesAreRefusedAndTheStoreStaysDamaged() throws Exception {
    damagedStoreAndAPeer();
    byte[] before =
        Files.readAllBytes(logsDir().resolve(HexFormat.of().formatHex(me.publicKey()) + ".log"));
    try (DiskStores s = DiskStores.open(data);
        DiskStores p = DiskStores.open(peer)) {
      assertThrows(DamagedStoreException.class, () -> s.open(id));
      List<SignedEntry> chain = p.open(id).entriesAfter(me, 0).toList();
      SignedEntry first = chain.get(0);
      byte[] sig = first.signature();
      sig[3] ^= 1;
      SignedEntry forged = new SignedEntry(first.entry(), first.encoded(), sig, first.hash());
      try (LogHealing h = s.startHealing(id).orElseThrow()) {
        assertThrows(KvException.class, () -> h.add(List.of(forged)));
        assertThrows(KvException.class, () -> h.add(chain.subList(1, 3)), "a gap");
        assertEquals(0, h.seq(), "nothing taken");
      }
      assertFalse(files(logsDir()).anyMatch(f -> f.contains(".healing")));
      assertThrows(DamagedStoreException.class, () -> s.open(id));
      assertEquals(1, s.damaged().size());
    }
    assertArrayEquals(
        before,
        Files.readAllBytes(logsDir().resolve(HexFormat.of().formatHex(me.publicKey()) + ".log")),
        "the damaged log is untouched");
  }

  static Stream<String> files(Path d) throws IOException {
    try (Stream<Path> s = Files.list(d)) {
      return s.map(f -> f.getFileName().toString()).toList().stream();
    }
  }
}
