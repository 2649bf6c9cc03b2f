package org.latticefs.mesh;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.testing.Poll;
import org.latticefs.kv.Op;
import org.latticefs.kv.Stores;
import org.latticefs.kv.store.LogStore;

/**
 * Three nodes whose every connection runs through a {@link FaultyProxy}: while all write to shared
 * stores, the network cuts connections at random, delays bytes and partitions pairs of nodes, as a
 * seeded schedule says (the seed is printed; {@code -Dmesh.seed=N} replays it). After the network
 * heals, every node has the same state digest in every store.
 */
@Tag("slow")
class PartitionTest {
  @TempDir Path dir;

  @Test
  void threeNodesConvergeAfterPartitionsAndCuts() throws Exception {
    long seed = Long.getLong("mesh.seed", new Random().nextLong());
    System.out.println("PartitionTest seed: " + seed + " (replay with -Dmesh.seed=" + seed + ")");
    Random random = new Random(seed);
    // Nodes advertise an address nobody listens on: they reach each other only through proxies.
    HostPort nowhere = new HostPort("127.0.0.1", 1);
    List<TestNode> nodes = new ArrayList<>();
    Map<String, FaultyProxy> proxies = new HashMap<>();
    try {
      for (String n : List.of("a", "b", "c")) {
        nodes.add(new TestNode(dir, n, true, c -> c.withAnnounce(List.of(nowhere))));
      }
      for (TestNode from : nodes) {
        for (TestNode to : nodes) {
          if (from != to) {
            FaultyProxy p = new FaultyProxy(to.mesh.listening().get().port(), random.nextLong());
            proxies.put(key(from, to), p);
            from.mesh.add(to.identity.id(), p.address());
          }
        }
      }
      UUID docs = nodes.get(0).stores.createStore("docs").id();
      Poll.until("every node knows docs", () -> nodes.stream().allMatch(n -> hasStore(n, docs)));
      int written = 0;
      for (int phase = 0; phase < 6; phase++) {
        for (FaultyProxy p : proxies.values()) {
          p.setUp(random.nextDouble() > 0.3);
          p.setCutChance(random.nextDouble() * 0.05);
          p.setMaxDelayMs(random.nextInt(20));
        }
        for (int i = 0; i < 40; i++) {
          TestNode n = nodes.get(random.nextInt(nodes.size()));
          LogStore s = n.stores.open(docs);
          String key = "/k" + random.nextInt(30);
          s.commit(List.of(Op.Put.utf8(key, n.mesh.nodeId() + " " + written++)));
        }
        Thread.sleep(300);
      }
      for (FaultyProxy p : proxies.values()) {
        p.setCutChance(0);
        p.setMaxDelayMs(0);
        p.setUp(true);
      }
      Poll.until(
          "every node has the same state in every store",
          () -> digests(nodes, docs).size() == 1 && digests(nodes, Stores.ROOT_ID).size() == 1);
      assertEquals(1, digests(nodes, docs).size());
    } finally {
      for (TestNode n : nodes) {
        n.close();
      }
      for (FaultyProxy p : proxies.values()) {
        p.close();
      }
    }
  }

  private static String key(TestNode a, TestNode b) {
    return a.mesh.nodeId() + ">" + b.mesh.nodeId();
  }

  private static boolean hasStore(TestNode n, UUID id) {
    try {
      return n.stores.findStore(id.toString()).isPresent();
    } catch (Exception e) {
      return false;
    }
  }

  private static java.util.Set<BlobRef> digests(List<TestNode> nodes, UUID store) throws Exception {
    java.util.Set<BlobRef> out = new java.util.HashSet<>();
    for (TestNode n : nodes) {
      out.add(n.stores.open(store).stateDigest());
    }
    return out;
  }
}
