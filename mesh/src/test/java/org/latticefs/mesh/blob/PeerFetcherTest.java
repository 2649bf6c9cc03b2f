package org.latticefs.mesh.blob;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.NodeId;
import org.latticefs.mesh.wire.Message;

/** Which peers {@link PeerFetcher} asks, and in what order, with fake peers and a fake clock. */
class PeerFetcherTest {
  private final AtomicLong clock = new AtomicLong(1_000_000_000L);
  private final List<FakePeer> connected = new CopyOnWriteArrayList<>();
  private final Map<BlobRef, Set<NodeId>> presence = new ConcurrentHashMap<>();
  private final FetchStats stats = FetchStats.zero();
  private final BlobLimits limits =
      BlobLimits.defaults()
          .withDeadlines(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(10));
  private final RecentMisses misses =
      new RecentMisses(PeerFetcher.MISS_MEMORY.toNanos(), 1000, clock::get);
  private final PeerScores scores = new PeerScores(limits, clock::get);
  private final PeerFetcher fetcher =
      new PeerFetcher(
          () -> List.copyOf(connected),
          ref -> presence.getOrDefault(ref, Set.of()),
          misses,
          scores,
          limits,
          stats);

  /** A peer answering at once from what it holds: the bytes, wrong bytes, or "not found". */
  static final class FakePeer implements BlobPeer {
    final NodeId id;
    final Map<BlobRef, byte[]> held = new ConcurrentHashMap<>();
    final List<BlobRef> asked = new CopyOnWriteArrayList<>();
    volatile boolean liar;
    volatile int missingReason = Message.BlobMissing.NOT_FOUND;
    private final AtomicLong ids = new AtomicLong();

    FakePeer(int n) {
      byte[] key = new byte[NodeId.LENGTH];
      key[0] = (byte) n;
      this.id = new NodeId(key);
    }

    @Override
    public NodeId peer() {
      return id;
    }

    @Override
    public String describe() {
      return "fake " + id;
    }

    @Override
    public long start(BlobRef ref, Consumer<Outcome> sink, long waitNanos) {
      asked.add(ref);
      byte[] b = held.get(ref);
      if (b == null) {
        sink.accept(new Outcome.Missing(missingReason));
      } else if (liar) {
        byte[] bad = b.clone();
        bad[0] ^= 1;
        sink.accept(new Outcome.Bytes(bad));
      } else {
        sink.accept(new Outcome.Bytes(b.clone()));
      }
      return ids.incrementAndGet();
    }

    @Override
    public void cancel(long id) {}

    long askedFor(BlobRef ref) {
      return asked.stream().filter(ref::equals).count();
    }
  }

  FakePeer peer(int n) {
    FakePeer p = new FakePeer(n);
    connected.add(p);
    return p;
  }

  static byte[] bytes(long seed) {
    byte[] b = new byte[4096];
    new Random(seed).nextBytes(b);
    return b;
  }

  static BlobRef give(byte[] data, FakePeer... to) {
    BlobRef ref = Blake3.hash(data);
    for (FakePeer p : to) {
      p.held.put(ref, data);
    }
    return ref;
  }

  @Test
  void thePeersPresenceNamesAreAskedFirstAndNoOtherIsAsked() throws Exception {
    FakePeer a = peer(1);
    FakePeer b = peer(2);
    FakePeer c = peer(3);
    byte[] data = bytes(1);
    BlobRef ref = give(data, c);
    presence.put(ref, Set.of(c.id));
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(0, a.askedFor(ref), "a is not said to hold it: not asked");
    assertEquals(0, b.askedFor(ref));
    assertEquals(1, c.askedFor(ref));
  }

  @Test
  void withoutPresenceTheConnectedPeersAreAskedUntilOneHasIt() throws Exception {
    FakePeer a = peer(1);
    FakePeer b = peer(2);
    byte[] data = bytes(2);
    BlobRef ref = give(data, b);
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(1, a.askedFor(ref));
    assertEquals(1, b.askedFor(ref));
  }

  @Test
  void aHolderThatIsNotConnectedLeavesTheConnectedPeers() throws Exception {
    FakePeer a = peer(1);
    byte[] data = bytes(3);
    BlobRef ref = give(data, a);
    presence.put(ref, Set.of(new FakePeer(9).id));
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(1, a.askedFor(ref));
  }

  @Test
  void aHolderThatTurnsOutNotToHoldItPassesTheRequestOn() throws Exception {
    FakePeer a = peer(1);
    FakePeer b = peer(2);
    byte[] data = bytes(4);
    BlobRef ref = give(data, a);
    presence.put(ref, Set.of(b.id)); // stale: b dropped it
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(1, b.askedFor(ref));
    assertEquals(1, a.askedFor(ref));
  }

  @Test
  void aPeerThatSaidMissingIsNotAskedForThatBlobAgainForAWhile() throws Exception {
    FakePeer a = peer(1);
    FakePeer b = peer(2);
    byte[] data = bytes(5);
    BlobRef ref = give(data, b);
    BlobRef other = give(bytes(6), a, b);
    presence.put(ref, Set.of(a.id)); // stale: a would be asked first every time
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(1, a.askedFor(ref), "a said it has none");
    assertArrayEquals(data, fetcher.fetch(ref));
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(1, a.askedFor(ref), "not asked again meanwhile");
    assertEquals(3, b.askedFor(ref));
    fetcher.fetch(other);
    assertEquals(1, a.askedFor(other) + b.askedFor(other), "other blobs: a is asked as before");
    clock.addAndGet(PeerFetcher.MISS_MEMORY.toNanos() + 1);
    a.held.put(ref, data); // a has it by now, b no longer
    b.held.remove(ref);
    assertArrayEquals(data, fetcher.fetch(ref));
    assertEquals(2, a.askedFor(ref), "after the while a is asked again");
  }

  @Test
  void whileEveryConnectedPeerSaidMissingAFetchFailsWithoutAsking() throws Exception {
    FakePeer a = peer(1);
    BlobRef ref = Blake3.hash(bytes(7));
    assertThrows(BlobNotFoundException.class, () -> fetcher.fetch(ref));
    assertThrows(BlobNotFoundException.class, () -> fetcher.fetch(ref));
    assertEquals(1, a.askedFor(ref));
    FakePeer b = peer(2); // a peer that came up since is asked
    assertThrows(BlobNotFoundException.class, () -> fetcher.fetch(ref));
    assertEquals(1, b.askedFor(ref));
    assertEquals(1, a.askedFor(ref));
    assertEquals(3, stats.notFound().sum());
  }

  @Test
  void aBusyPeerIsAskedAgainNextTime() throws Exception {
    FakePeer busy = peer(1);
    busy.missingReason = Message.BlobMissing.BUSY;
    BlobRef ref = Blake3.hash(bytes(8));
    assertThrows(java.io.IOException.class, () -> fetcher.fetch(ref));
    assertThrows(java.io.IOException.class, () -> fetcher.fetch(ref));
    assertEquals(2, busy.askedFor(ref), "busy is not 'has none'");
  }

  @Test
  void aDemotedHolderIsAskedAfterThePeersThatAreNot() throws Exception {
    FakePeer a = peer(1);
    FakePeer c = peer(2);
    c.liar = true;
    byte[] first = bytes(9);
    BlobRef firstRef = give(first, a, c);
    presence.put(firstRef, Set.of(c.id));
    assertArrayEquals(first, fetcher.fetch(firstRef), "c lied, a had it");
    assertTrue(scores.demoted(c.id));
    assertEquals(1, stats.badBytes().sum());
    byte[] second = bytes(10);
    BlobRef secondRef = give(second, a, c);
    presence.put(secondRef, Set.of(c.id));
    assertArrayEquals(second, fetcher.fetch(secondRef));
    assertEquals(0, c.askedFor(secondRef), "demoted: asked only after a, which had it");
  }

  @Test
  void recentMissesAreBoundedAndExpire() {
    RecentMisses m = new RecentMisses(100, 3, clock::get);
    List<BlobRef> refs = new ArrayList<>();
    NodeId p = new FakePeer(1).id;
    for (int i = 0; i < 5; i++) {
      refs.add(Blake3.hash(bytes(100 + i)));
      m.missed(p, refs.get(i));
    }
    assertEquals(3, m.size());
    assertFalse(m.recentlyMissed(p, refs.get(0)), "the oldest was forgotten");
    assertTrue(m.recentlyMissed(p, refs.get(4)));
    assertFalse(m.recentlyMissed(new FakePeer(2).id, refs.get(4)), "per peer");
    clock.addAndGet(101);
    assertFalse(m.recentlyMissed(p, refs.get(4)), "expired");
  }
}
