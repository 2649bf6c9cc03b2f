package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.cas.testing.Poll;
import org.latticefs.mesh.blob.BlobLimits;
import org.latticefs.mesh.blob.MeshBlobs;
import org.latticefs.mesh.blob.ServeScope;

/** Blobs between real meshes on 127.0.0.1: fetch, scope, bad bytes, slow peers. */
class BlobExchangeTest {
  @TempDir Path dir;

  /** A node's blobs and the refs its stores reach (what it may serve). */
  static final class Held {
    final MemoryBlobStore store = new MemoryBlobStore();
    final Set<BlobRef> visible = ConcurrentHashMap.newKeySet();

    BlobRef put(byte[] data) throws IOException {
      BlobRef ref = store.receive(data);
      visible.add(ref);
      return ref;
    }

    MeshBlobs blobs(BlobLimits limits) {
      return new MeshBlobs(store, store, (peer, ref) -> visible.contains(ref), limits);
    }
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static void connect(TestNode from, TestNode to) throws Exception {
    from.mesh.join(to.invite(), Duration.ofSeconds(30));
    Poll.until(
        "connected both ways",
        () ->
            from.mesh.peers().stream()
                    .anyMatch(p -> p.id().equals(to.identity.id()) && p.connected())
                && to.mesh.peers().stream()
                    .anyMatch(p -> p.id().equals(from.identity.id()) && p.connected()));
  }

  @Test
  void aBlobHeldOnlyByAPeerIsFetchedWholeAndVerified() throws Exception {
    Held a = new Held();
    try (TestNode na = new TestNode(dir, "a", a.blobs(BlobLimits.defaults()));
        TestNode nb = new TestNode(dir, "b", MeshBlobs.none())) {
      // Several parts (MAX_PART is 256 KiB), several turns (1 MiB each), and an empty blob.
      byte[] big = random(3 * (1 << 20) + 12345, 1);
      BlobRef bigRef = a.put(big);
      BlobRef small = a.put(random(1000, 2));
      BlobRef empty = a.put(new byte[0]);
      connect(nb, na);
      BlobFetcher peers = nb.mesh.fetcher();
      assertArrayEquals(big, peers.fetch(bigRef));
      assertArrayEquals(random(1000, 2), peers.fetch(small));
      assertArrayEquals(new byte[0], peers.fetch(empty));
      assertThrows(BlobNotFoundException.class, () -> peers.fetch(BlobRef.of(random(32, 9), 0)));
      assertEquals(3, nb.mesh.blobStats().fetched().sum());
      assertEquals(3, na.mesh.blobStats().served().sum());
    }
  }

  @Test
  void aBlobOutsideTheRequestersScopeIsNeverSent() throws Exception {
    Held a = new Held();
    try (TestNode na = new TestNode(dir, "a", a.blobs(BlobLimits.defaults()));
        TestNode nb = new TestNode(dir, "b", MeshBlobs.none())) {
      BlobRef shared = a.put(random(5000, 3));
      // Held by a, but in no store b may see (an unsaved file's checkpoint, another store).
      BlobRef hidden = a.store.receive(random(5000, 4));
      connect(nb, na);
      assertArrayEquals(random(5000, 3), nb.mesh.fetcher().fetch(shared));
      assertThrows(BlobNotFoundException.class, () -> nb.mesh.fetcher().fetch(hidden));
      assertEquals(1, na.mesh.blobStats().refused().sum());
      assertEquals(5000, na.mesh.blobStats().servedBytes().sum(), "only the shared blob went out");
    }
  }

  @Test
  void aPeerSendingWrongBytesIsDemotedAndAnotherServesTheBlob() throws Exception {
    Held good = new Held();
    byte[] data = random(300_000, 5);
    BlobRef ref = good.put(data);
    // The rogue claims every blob and answers with other bytes of the right length.
    BlobFetcher lies = r -> random(data.length, 6);
    MeshBlobs rogueBlobs =
        new MeshBlobs(
            lies,
            r -> Optional.of(new BlobInfo(r, data.length)),
            (peer, r) -> true,
            BlobLimits.defaults());
    try (TestNode rogue = new TestNode(dir, "rogue", rogueBlobs);
        TestNode nb = new TestNode(dir, "b", MeshBlobs.none())) {
      connect(nb, rogue);
      IOException e = assertThrows(IOException.class, () -> nb.mesh.fetcher().fetch(ref));
      assertTrue(e.getMessage().contains("wrong bytes"), e.getMessage());
      assertEquals(1, nb.mesh.blobStats().badBytes().sum());
      try (TestNode na = new TestNode(dir, "a", good.blobs(BlobLimits.defaults()))) {
        connect(nb, na);
        // The demoted rogue is asked after a, so a answers first and the rogue is never asked.
        for (int i = 0; i < 5; i++) {
          assertArrayEquals(data, nb.mesh.fetcher().fetch(ref));
        }
        assertEquals(1, nb.mesh.blobStats().badBytes().sum(), "the rogue was not asked again");
      }
    }
  }

  @Test
  void aSlowPeerIsRacedByAnother() throws Exception {
    byte[] data = random(200_000, 7);
    Held fast = new Held();
    BlobRef ref = fast.put(data);
    BlobRef warmUp = fast.put(random(10, 8));
    Held slow = new Held();
    slow.put(data);
    slow.put(random(10, 8));
    long[] delayMillis = {50};
    BlobFetcher sleepy =
        r -> {
          try {
            Thread.sleep(delayMillis[0]);
          } catch (InterruptedException e) {
            throw new InterruptedIOException();
          }
          return slow.store.fetch(r);
        };
    MeshBlobs slowBlobs =
        new MeshBlobs(
            sleepy, slow.store, (peer, r) -> slow.visible.contains(r), BlobLimits.defaults());
    try (TestNode ns = new TestNode(dir, "slow", slowBlobs);
        TestNode nb = new TestNode(dir, "b", MeshBlobs.none())) {
      connect(nb, ns);
      assertArrayEquals(random(10, 8), nb.mesh.fetcher().fetch(warmUp));
      // Its latency is now known (tens of ms): it is asked first, then raced once it stalls.
      delayMillis[0] = 120_000;
      try (TestNode nf = new TestNode(dir, "fast", fast.blobs(BlobLimits.defaults()))) {
        connect(nb, nf);
        assertArrayEquals(data, nb.mesh.fetcher().fetch(ref));
        assertEquals(1, nb.mesh.blobStats().raced().sum());
        assertEquals(1, nf.mesh.blobStats().served().sum());
      }
    }
  }

  @Test
  void noPeerMeansNotFound() throws Exception {
    try (TestNode nb = new TestNode(dir, "b", MeshBlobs.none())) {
      assertThrows(
          BlobNotFoundException.class, () -> nb.mesh.fetcher().fetch(BlobRef.of(random(32, 1), 0)));
    }
  }

  static ServeScope all() {
    return (peer, ref) -> true;
  }
}
