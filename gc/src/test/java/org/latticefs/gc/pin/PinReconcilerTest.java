package org.latticefs.gc.pin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.Hold;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestReader;
import org.latticefs.cas.chunk.ManifestShape;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.kv.memory.MemoryStores;

public class PinReconcilerTest {
  static final Chunker CHUNKER = new Chunker(256, 1024, 4096, 2);
  static final ManifestShape SHAPE = new ManifestShape(2, 4, 8);
  static final Duration WAIT = Duration.ofSeconds(30);

  final MemoryStores stores = MemoryStores.create();
  final String node = stores.nodeId().toString();
  final PinBook book = new PinBook(stores.root(), node);
  final MemoryBlobStore local = new MemoryBlobStore();

  /** Where missing blobs come from: a peer, as the mesh will plug in. */
  final MemoryBlobStore peer = new MemoryBlobStore();

  final AtomicInteger peerFetches = new AtomicInteger();
  volatile int peerBudget = Integer.MAX_VALUE;
  final FakeTrees trees = new FakeTrees();
  final List<PinReconciler> started = new ArrayList<>();

  PinReconcilerTest() throws Exception {}

  /** Local store first, then the peer (while its budget lasts), storing what it returns here. */
  final BlobFetcher fetcher =
      ref -> {
        try {
          return local.fetch(ref);
        } catch (BlobNotFoundException e) {
          if (peerFetches.get() >= peerBudget) {
            throw new BlobNotFoundException(ref);
          }
          peerFetches.incrementAndGet();
          return peer.fetch(ref);
        }
      };

  PinReconciler reconciler() throws Exception {
    PinReconciler r =
        new PinReconciler(
            book, local, fetcher, local, trees, Duration.ofHours(1), Duration.ofMillis(10));
    started.add(r);
    return r.start();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (PinReconciler r : started) {
      r.close();
    }
    stores.close();
  }

  public static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  public static BlobRef ingest(MemoryBlobStore store, byte[] data) throws IOException {
    try (Hold h = store.newHold()) {
      return new FileIngester(h.receiver(), CHUNKER, SHAPE)
          .singleThreaded()
          .ingest(new ByteArrayInputStream(data))
          .manifest();
    }
  }

  public static Set<BlobRef> tree(MemoryBlobStore store, BlobRef manifest) throws IOException {
    Set<BlobRef> out = new HashSet<>();
    out.add(manifest);
    ManifestReader.open(store, manifest).forEachBlob(out::add);
    return out;
  }

  Optional<String> value(String key) throws Exception {
    return stores.root().get(key).map(v -> new String(v, StandardCharsets.UTF_8));
  }

  @Test
  void aPendingPinOfAManifestHereIsStoredWithItsPresence() throws Exception {
    BlobRef m = ingest(local, random(1, 40_000));
    PinTarget t = new PinTarget.Manifest(m);
    assertEquals(PinState.PENDING, book.add(t).state());
    assertEquals(Optional.of("pending"), value("/cas/pins/" + node + "/" + m.hex()));

    PinReconciler r = reconciler();
    assertTrue(r.awaitIdle(WAIT));

    assertEquals(Optional.of("stored"), value("/cas/pins/" + node + "/" + m.hex()));
    assertEquals(Optional.of("pinned"), value("/blobs/" + m.hex() + "/nodes/" + node));
    PinStatus s = r.status().get(0);
    assertEquals("complete", s.phase());
    assertEquals(tree(local, m).size(), s.blobs());
    assertEquals(0, s.fetchedBytes());
    assertEquals(0, peerFetches.get());
  }

  @Test
  void missingBlobsAreFetchedVerifiedAndStoredHere() throws Exception {
    byte[] data = random(2, 60_000);
    BlobRef m = ingest(peer, data);
    PinReconciler r = reconciler();
    r.add(new PinTarget.Manifest(m));
    assertTrue(r.awaitIdle(WAIT));

    assertEquals(Optional.of(PinState.STORED), book.state(new PinTarget.Manifest(m)));
    for (BlobRef b : tree(peer, m)) {
      assertTrue(local.stat(b).isPresent(), "fetched " + b);
    }
    assertEquals(tree(peer, m).size(), peerFetches.get());
    PinStatus s = r.status().get(0);
    assertTrue(s.fetchedBytes() >= data.length, "counted: " + s);
  }

  @Test
  void aPeerThatSendsWrongBytesLeavesThePinPendingAndStoresNothingUnderTheRef() throws Exception {
    BlobRef m = ingest(peer, random(3, 20_000));
    peer.corrupt(m);
    PinReconciler r = reconciler();
    r.add(new PinTarget.Manifest(m));
    assertTrue(r.awaitIdle(WAIT));
    assertEquals(Optional.of(PinState.PENDING), book.state(new PinTarget.Manifest(m)));
    assertTrue(local.stat(m).isEmpty());
    PinStatus s = r.status().get(0);
    assertEquals("incomplete", s.phase());
    assertEquals(1, s.missing(), s.toString());
  }

  @Test
  void aHalfDonePinResumesAfterARestartWithoutFetchingAgain() throws Exception {
    BlobRef m = ingest(peer, random(4, 80_000));
    int total = tree(peer, m).size();
    peerBudget = total / 2;
    PinReconciler first = reconciler();
    first.add(new PinTarget.Manifest(m));
    assertTrue(first.awaitIdle(WAIT));
    assertEquals(Optional.of(PinState.PENDING), book.state(new PinTarget.Manifest(m)));
    first.close();
    int firstFetches = peerFetches.get();
    assertEquals(total / 2, firstFetches);

    peerBudget = Integer.MAX_VALUE;
    PinReconciler second = reconciler();
    assertTrue(second.awaitIdle(WAIT));

    assertEquals(Optional.of(PinState.STORED), book.state(new PinTarget.Manifest(m)));
    assertEquals(total, peerFetches.get(), "what the first one fetched was not fetched again");
  }

  @Test
  void unpinningDeletesNoBlobAndStopsNothingElse() throws Exception {
    BlobRef m = ingest(local, random(5, 30_000));
    PinTarget t = new PinTarget.Manifest(m);
    book.add(t);
    PinReconciler r = reconciler();
    assertTrue(r.awaitIdle(WAIT));
    int before = local.size();

    assertTrue(book.remove(t));
    assertFalse(book.remove(t));

    assertEquals(before, local.size());
    assertEquals(Optional.empty(), value("/cas/pins/" + node + "/" + m.hex()));
    assertEquals(Optional.empty(), value("/blobs/" + m.hex() + "/nodes/" + node));
    assertTrue(r.awaitIdle(WAIT));
    assertTrue(r.status().isEmpty());
  }

  @Test
  void aFolderPinFetchesContentAddedUnderItLater() throws Exception {
    UUID store = UUID.randomUUID();
    String folder = "00000000000000a1";
    BlobRef first = ingest(peer, random(6, 20_000));
    trees.put(store, folder, first);
    PinReconciler r = reconciler();
    PinTarget t = new PinTarget.Inode(store, folder);
    r.add(t);
    assertTrue(r.awaitIdle(WAIT));
    assertEquals(Optional.of(PinState.STORED), book.state(t));
    assertTrue(local.stat(first).isPresent());

    BlobRef later = ingest(peer, random(7, 20_000));
    trees.put(store, folder, later);
    trees.changed(store);
    Thread.sleep(50); // the debounce; then the walk is queued
    assertTrue(r.awaitIdle(WAIT));
    for (BlobRef b : tree(peer, later)) {
      assertTrue(local.stat(b).isPresent(), "the new file's blob " + b + " is here");
    }
    assertEquals("complete", r.status().get(0).phase());
  }

  @Test
  void aPinOfAnInodeThatIsGoneStaysPendingAndSaysWhy() throws Exception {
    PinTarget t = new PinTarget.Inode(UUID.randomUUID(), "00000000000000b2");
    PinReconciler r = reconciler();
    r.add(t);
    assertTrue(r.awaitIdle(WAIT));
    assertEquals(Optional.of(PinState.PENDING), book.state(t));
    assertTrue(r.status().get(0).problems().get(0).contains("no such file"));
  }

  @Test
  void aPinWrittenElsewhereIsSeenThroughTheWatch() throws Exception {
    BlobRef m = ingest(peer, random(9, 20_000));
    PinReconciler r = reconciler();
    // Written to the root store directly, as a replicated entry or another process would.
    book.add(new PinTarget.Manifest(m));
    long end = System.nanoTime() + WAIT.toNanos();
    while (book.state(new PinTarget.Manifest(m)).orElseThrow() != PinState.STORED
        && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    assertEquals(Optional.of(PinState.STORED), book.state(new PinTarget.Manifest(m)));
    assertTrue(r.awaitIdle(WAIT));
    assertTrue(local.stat(m).isPresent());
  }

  @Test
  void keysThatAreNotPinsAreIgnored() throws Exception {
    assertEquals(Optional.empty(), PinKeys.parse(node, "/cas/pins/" + node + "/nothex"));
    assertEquals(
        Optional.empty(), PinKeys.parse(node, "/cas/pins/" + node + "/" + "AB".repeat(32)));
    assertEquals(
        Optional.empty(), PinKeys.parse(node, "/cas/pins/" + node + "/inode/x/00000000000000a1"));
    BlobRef m = ingest(local, random(8, 100));
    PinTarget t = new PinTarget.Manifest(m);
    assertEquals(Optional.of(t), PinKeys.parse(node, t.key(node)));
    PinTarget in = new PinTarget.Inode(UUID.randomUUID(), "00000000000000a1");
    assertEquals(Optional.of(in), PinKeys.parse(node, in.key(node)));
  }

  /** Inode trees as a map from (store, inode) to the manifests below it; changes told by hand. */
  public static final class FakeTrees implements InodeTrees {
    final Map<String, List<BlobRef>> content = new ConcurrentHashMap<>();
    final Map<UUID, List<Runnable>> watchers = new ConcurrentHashMap<>();

    public void put(UUID store, String id, BlobRef manifest) {
      content.computeIfAbsent(store + "/" + id, k -> new CopyOnWriteArrayList<>()).add(manifest);
    }

    void changed(UUID store) {
      watchers.getOrDefault(store, List.of()).forEach(Runnable::run);
    }

    @Override
    public boolean forEach(UUID store, String id, ManifestRoots.Sink sink) throws IOException {
      List<BlobRef> l = content.get(store + "/" + id);
      if (l == null) {
        return false;
      }
      for (BlobRef m : l) {
        sink.root(m);
      }
      return true;
    }

    @Override
    public AutoCloseable watch(UUID store, Runnable changed) {
      watchers.computeIfAbsent(store, k -> new CopyOnWriteArrayList<>()).add(changed);
      return () -> watchers.get(store).remove(changed);
    }
  }
}
