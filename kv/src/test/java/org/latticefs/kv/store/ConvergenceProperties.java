package org.latticefs.kv.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Head;
import org.latticefs.kv.Identity;
import org.latticefs.kv.Op;
import org.latticefs.kv.log.SignedEntry;
import org.latticefs.kv.sync.IngestOutcome;

/**
 * Replicas that receive the same entries in any order and any batching end in the same state. Each
 * try builds a random multi-author history (concurrent puts and deletes; every entry supersedes a
 * random subset of the heads visible at the time it was written, some of them by other authors) and
 * replays it into fresh stores.
 */
class ConvergenceProperties {
  static final UUID STORE = UUID.fromString("6b1d1c1e-0000-4000-8000-0000000000c0");
  static final List<String> KEYS = List.of("/p/0", "/p/1", "/p/2", "/p/\u00e9");

  /** A random history: entries in the order they were written. */
  static List<SignedEntry> history(long seed, int authors, int entries, FakeTime time) {
    Random random = new Random(seed);
    List<TestAuthor> writers = new ArrayList<>();
    for (int a = 0; a < authors; a++) {
      writers.add(new TestAuthor(seed * 31 + a, STORE));
    }
    Map<String, List<BlobRef>> heads = new HashMap<>();
    List<SignedEntry> out = new ArrayList<>();
    for (int i = 0; i < entries; i++) {
      TestAuthor w = writers.get(random.nextInt(authors));
      int touched = 1 + random.nextInt(2);
      List<Op> ops = new ArrayList<>();
      Map<String, List<BlobRef>> parents = new HashMap<>();
      for (int t = 0; t < touched; t++) {
        String key = KEYS.get(random.nextInt(KEYS.size()));
        ops.add(random.nextInt(4) == 0 ? new Op.Delete(key) : Op.Put.utf8(key, "v" + i));
        List<BlobRef> seen = new ArrayList<>();
        for (BlobRef h : heads.getOrDefault(key, List.of())) {
          if (random.nextInt(3) > 0) {
            seen.add(h);
          }
        }
        parents.put(key, seen);
      }
      // Concurrent writers often share a timestamp: exercise the author tie-break.
      long millis = time.millis(random.nextInt(5) * 10L);
      SignedEntry e = w.next(millis, parents, ops.toArray(Op[]::new));
      out.add(e);
      for (String key : parents.keySet()) {
        List<BlobRef> now = new ArrayList<>(heads.getOrDefault(key, List.of()));
        now.removeAll(parents.get(key));
        now.add(e.hash());
        heads.put(key, now);
      }
    }
    return out;
  }

  /** Ingests {@code entries} in batches of random sizes; returns the final digest. */
  static BlobRef replay(List<SignedEntry> entries, Random random, FakeTime time) throws Exception {
    Path dir = tempDir("kv-converge");
    try (LogStore store =
        LogStore.open(dir, STORE, Identity.generate(new Random(0)), StoreSettings.defaults(time))) {
      int i = 0;
      while (i < entries.size()) {
        int n = 1 + random.nextInt(4);
        List<SignedEntry> chunk = entries.subList(i, Math.min(entries.size(), i + n));
        for (IngestOutcome o : store.ingest(chunk)) {
          assertTrue(
              o instanceof IngestOutcome.Applied || o instanceof IngestOutcome.Orphaned,
              o.toString());
        }
        i += n;
      }
      assertEquals(0, store.orphanCount());
      BlobRef digest = store.stateDigest();
      for (IngestOutcome o : store.ingest(entries)) {
        assertEquals(IngestOutcome.DUPLICATE, o);
      }
      assertEquals(digest, store.stateDigest(), "ingest is idempotent");
      assertEquals(digest, store.rebuild(), "a rebuild from the logs gives the same state");
      return digest;
    } finally {
      XodusFiles.deleteTree(dir);
    }
  }

  @Property(tries = 15)
  void anyPermutationGivesTheSameState(
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 4) int authors,
      @ForAll @IntRange(min = 1, max = 24) int entries)
      throws Exception {
    FakeTime time = new FakeTime();
    List<SignedEntry> written = history(seed, authors, entries, time);
    Random random = new Random(seed ^ 0x5eed);
    List<SignedEntry> first = new ArrayList<>(written);
    Collections.shuffle(first, random);
    List<SignedEntry> second = new ArrayList<>(written);
    Collections.shuffle(second, random);
    BlobRef a = replay(first, random, time);
    BlobRef b = replay(second, random, time);
    BlobRef inOrder = replay(written, random, time);
    assertEquals(a, b);
    assertEquals(inOrder, a);
  }

  @Property(tries = 10)
  void concurrentPutsKeepBothHeadsAndEveryReplicaPicksTheSameWinner(
      @ForAll @IntRange(min = 0, max = 3) int aOffset,
      @ForAll @IntRange(min = 0, max = 3) int bOffset,
      @ForAll long seed)
      throws Exception {
    FakeTime time = new FakeTime();
    TestAuthor alice = new TestAuthor(seed, STORE);
    TestAuthor bob = new TestAuthor(seed + 1, STORE);
    SignedEntry a = alice.next(time.millis(aOffset), Map.of(), Op.Put.utf8("/k", "alice"));
    SignedEntry b = bob.next(time.millis(bOffset), Map.of(), Op.Put.utf8("/k", "bob"));
    List<List<Head>> seen = new ArrayList<>();
    for (List<SignedEntry> order : List.of(List.of(a, b), List.of(b, a))) {
      Path dir = tempDir("kv-winner");
      try (LogStore store =
          LogStore.open(
              dir, STORE, Identity.generate(new Random(0)), StoreSettings.defaults(time))) {
        for (SignedEntry e : order) {
          store.ingest(List.of(e));
        }
        seen.add(store.heads("/k"));
      } finally {
        deleteQuietly(dir);
      }
    }
    assertEquals(2, seen.get(0).size());
    assertEquals(seen.get(0), seen.get(1));
    SignedEntry expected =
        a.entry().hlc().compareTo(b.entry().hlc()) != 0
            ? (a.entry().hlc().compareTo(b.entry().hlc()) > 0 ? a : b)
            : (a.entry().author().compareTo(b.entry().author()) > 0 ? a : b);
    assertEquals(expected.hash(), seen.get(0).get(0).entry());
  }

  /** On tmpfs when there is one: these tries fsync a lot, and what is tested is not the disk. */
  static Path tempDir(String prefix) throws IOException {
    Path shm = Path.of("/dev/shm");
    return Files.isDirectory(shm) && Files.isWritable(shm)
        ? Files.createTempDirectory(shm, prefix)
        : Files.createTempDirectory(prefix);
  }

  private static void deleteQuietly(Path dir) {
    try {
      XodusFiles.deleteTree(dir);
    } catch (IOException ignored) {
      // A temp dir left behind is not a test failure.
    }
  }
}
