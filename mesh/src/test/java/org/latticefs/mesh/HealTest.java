package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.kv.DamagedStoreException;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;
import org.latticefs.kv.store.DiskStores;
import org.latticefs.kv.store.LogStore;
import org.latticefs.mesh.peer.Discovery;

/**
 * A store kv refused on B because a log there is damaged is healed from A: the damaged author's
 * chain is fetched again, verified, put in place, and the store opens with A's state.
 */
class HealTest {
  @TempDir Path dir;

  static MeshConfig config(Path dir, String name) {
    return MeshConfig.defaults(dir.resolve("mesh-" + name))
        .withName(name)
        .withMdns(false)
        .withListen(new HostPort("127.0.0.1", 0))
        .withBackoff(Duration.ofMillis(100), Duration.ofSeconds(1));
  }

  @Test
  void aStoreRefusedAsDamagedIsHealedFromAPeer() throws Exception {
    try (DiskStores a = DiskStores.open(dir.resolve("a"));
        Mesh meshA = Mesh.start(a, a.identity(), config(dir, "a"), Discovery.none())) {
      UUID docs = a.createStore("docs").id();
      LogStore onA = a.open(docs);
      for (int i = 0; i < 30; i++) {
        onA.commit(List.of(Op.Put.utf8("/k" + i, "v" + i)));
      }
      NodeId author = a.nodeId();
      DiskStores b = DiskStores.open(dir.resolve("b"));
      try {
        try (Mesh meshB = Mesh.start(b, b.identity(), config(dir, "b"), Discovery.none())) {
          meshB.join(meshA.invite(Duration.ofMinutes(5)), Duration.ofSeconds(30));
          DiskStores fb = b;
          Poll.until(
              "b has a's 30 entries",
              () ->
                  fb.findStore("docs").isPresent()
                      && fb.open(docs).syncState().containsKey(author)
                      && fb.open(docs).syncState().get(author).seq() == 30);
        }
        b.close();
        Path log =
            dir.resolve(
                "b/stores/"
                    + docs
                    + "/logs/"
                    + HexFormat.of().formatHex(author.publicKey())
                    + ".log");
        flipInFrame(log, 12);
        b = DiskStores.open(dir.resolve("b"));
        DiskStores fb = b;
        assertThrows(DamagedStoreException.class, () -> fb.open(docs));

        try (Mesh meshB = Mesh.start(b, b.identity(), config(dir, "b"), Discovery.none())) {
          Poll.until("b healed docs", () -> fb.damaged().isEmpty());
          LogStore onB = b.open(docs);
          Poll.until("b has a's state", () -> onB.stateDigest().equals(onA.stateDigest()));
          onA.commit(List.of(Op.Put.utf8("/after", "x")));
          Poll.until("and syncs it again", () -> onB.get("/after").isPresent());
        }
        try (var files = Files.list(log.getParent())) {
          assertTrue(
              files.anyMatch(f -> f.getFileName().toString().contains(".log.damaged-")),
              "the damaged log is kept aside");
        }
      } finally {
        b.close();
      }
    }
  }

  /**
   * Flips a byte inside the payload of entry {@code index} (SigChainLog: 56-byte header, 20 bytes
   * of framing).
   */
  static void flipInFrame(Path log, int index) throws Exception {
    byte[] bytes = Files.readAllBytes(log);
    ByteBuffer b = ByteBuffer.wrap(bytes);
    List<Integer> starts = new ArrayList<>();
    for (int pos = 56; pos < bytes.length; pos += 20 + b.getInt(pos + 4)) {
      starts.add(pos);
    }
    bytes[starts.get(index) + 60] ^= 0x10;
    Files.write(log, bytes);
  }
}
