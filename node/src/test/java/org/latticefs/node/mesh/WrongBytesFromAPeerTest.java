package org.latticefs.node.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.testing.Poll;
import org.latticefs.gc.pin.PinKeys;
import org.latticefs.kv.Op;
import org.latticefs.kv.memory.MemoryStores;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.InviteLine;
import org.latticefs.mesh.Mesh;
import org.latticefs.mesh.MeshConfig;
import org.latticefs.mesh.blob.BlobLimits;
import org.latticefs.mesh.blob.MeshBlobs;
import org.latticefs.mesh.peer.Discovery;
import org.latticefs.node.Daemon;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.config.DataDir;

/**
 * A peer that answers with wrong bytes, between real daemons: A writes a file, B reads it, and a
 * third member R of the mesh (a mesh without a daemon: the fault is injected at the mesh boundary,
 * in what R serves) claims to hold the whole store and sends every chunk it is asked for with one
 * bit flipped. B asks R first (presence names R only), catches the bad bytes, demotes R, and reads
 * the file byte-identical from A; nothing R sent is stored on B.
 */
class WrongBytesFromAPeerTest {
  @TempDir Path tmp;

  /** R's served side: what it fetches from its peers, one bit flipped, as if it held it. */
  static final class Liar implements BlobFetcher, org.latticefs.cas.BlobStatter {
    final AtomicReference<Mesh> mesh = new AtomicReference<>();
    final Map<BlobRef, byte[]> bad = new ConcurrentHashMap<>();

    private byte[] wrong(BlobRef ref) throws IOException {
      byte[] b = bad.get(ref);
      if (b == null) {
        b = mesh.get().fetcher().fetch(ref);
        if (b.length > 0) {
          b[b.length / 2] ^= 0x04;
        } else {
          b = new byte[] {1};
        }
        bad.put(ref, b);
      }
      return b.clone();
    }

    @Override
    public byte[] fetch(BlobRef ref) throws IOException {
      return wrong(ref);
    }

    @Override
    public Optional<BlobInfo> stat(BlobRef ref) throws IOException {
      return Optional.of(new BlobInfo(ref, wrong(ref).length));
    }
  }

  @Test
  void aPeerSendingWrongBytesIsDemotedAndTheFileReadsCorrectlyFromAnother() throws Exception {
    FuseAvailable.require();
    long size = 16L << 20;
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirB = new DataDir(tmp.resolve("b"));
    Daemon a = Daemon.start(new DataDir(tmp.resolve("a")), BytesFromPeersTest.loopback(), mntA);
    Liar liar = new Liar();
    try (MemoryStores rStores = MemoryStores.create()) {
      Daemon b = Daemon.start(dirB, BytesFromPeersTest.loopback(), mntB);
      try {
        b.join(a.invite(600));
        Files.createDirectories(mntA.resolve("media"));
        BytesFromPeersTest.writeFile(mntA.resolve("media/clip.bin"), size, 5);
        String good = BytesFromPeersTest.sha256(mntA.resolve("media/clip.bin"));
        // A keeps its bytes but claims no whole store: presence then names R alone.
        a.setStoreMode("media", "on-demand");
        liar.mesh.set(
            Mesh.start(
                rStores,
                rStores.identity(),
                MeshConfig.defaults(tmp.resolve("r"))
                    .withName("rogue")
                    .withMdns(false)
                    .withListen(new HostPort("127.0.0.1", 0)),
                Discovery.none(),
                new MeshBlobs(liar, liar, (peer, ref) -> true, BlobLimits.defaults())));
        liar.mesh.get().join(InviteLine.parse(a.invite(600)), Duration.ofSeconds(30));
        Poll.until("r knows the store", () -> rStores.findStore("media").isPresent());
        UUID media = rStores.findStore("media").orElseThrow().id();
        String rId = rStores.nodeId().toString();
        rStores
            .root()
            .commit(
                List.of(
                    new Op.Put(
                        PinKeys.holds(rId, media),
                        "complete (a lie)".getBytes(StandardCharsets.UTF_8))));
        Path onB = mntB.resolve("media/clip.bin");
        BytesFromPeersTest.awaitSize(onB, size);
        Poll.until(
            "b meets r and sees its claim, and none of a",
            () ->
                b.peers().stream().filter(p -> p.connected()).count() == 2
                    && b.whereis(onB.toString()).toString().contains(rId)
                    && !b.whereis(onB.toString()).toString().contains(a.nodeId()));

        assertEquals(good, BytesFromPeersTest.sha256(onB), "b read the right bytes");
        assertTrue(b.blobStats().badBytes().sum() >= 1, "r was asked and caught: " + b.blobStats());
        assertTrue(liar.mesh.get().blobStats().served().sum() >= 1, "r sent wrong bytes");
        assertTrue(
            b.blobStats().badBytes().sum() < b.blobStats().fetched().sum(),
            "demoted: r is asked after a, not for every chunk: " + b.blobStats());
        b.stop();
        try (Stream<Path> s = Files.walk(dirB.blobs())) {
          for (Path f : s.filter(f -> f.toString().endsWith(".blob")).toList()) {
            assertEquals(
                f.getFileName().toString().replace(".blob", ""),
                Blake3.hash(Files.readAllBytes(f)).hex(),
                "every blob b stored is what its name says");
          }
        }
      } finally {
        b.stop();
        Mesh r = liar.mesh.get();
        if (r != null) {
          r.close();
        }
      }
    } finally {
      a.stop();
    }
  }
}
