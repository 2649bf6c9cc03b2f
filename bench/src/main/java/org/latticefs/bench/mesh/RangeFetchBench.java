package org.latticefs.bench.mesh;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.latticefs.bench.Shell;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Outboard;
import org.latticefs.cas.store.MemoryBlobStore;
import org.latticefs.kv.memory.MemoryStores;
import org.latticefs.mesh.HostPort;
import org.latticefs.mesh.Mesh;
import org.latticefs.mesh.MeshConfig;
import org.latticefs.mesh.blob.BlobLimits;
import org.latticefs.mesh.blob.MeshBlobs;
import org.latticefs.mesh.peer.Discovery;

/**
 * A random 4 KiB read of a 256 KiB chunk only a peer holds: the whole chunk (what the mesh does)
 * against a verified slice (what a range request with the chunk's outboard would move: the 16 KiB
 * group holding the 4 KiB, plus the chunk's 16 group CVs, 512 bytes).
 *
 * <p>Two meshes over 127.0.0.1 (TLS, the real blob protocol); A holds N random 256 KiB chunks and,
 * for each, a blob of the slice's size (16 KiB + 512 B + the outboard header) standing in for the
 * slice on the wire. B fetches them alternately, one at a time: the whole chunk (verified by its
 * hash, as every fetch is), and the stand-in (verified by its hash, about the same hashing as the
 * group) plus the real check of the group against the chunk's outboard ({@link Outboard#verifies}).
 * Reported: p50/p99 of each and the bytes moved. The slice route is not built; this measures
 * whether it would be worth building. Run: {@code bench/run RangeFetchBench [N=1000] [rounds=3]}.
 */
public final class RangeFetchBench {
  private static final int CHUNK = 256 << 10;

  private RangeFetchBench() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
    Path dir = Files.createTempDirectory("range-fetch-bench");
    MemoryBlobStore held = new MemoryBlobStore();
    Random r = new Random(4);
    BlobRef[] whole = new BlobRef[n];
    BlobRef[] slice = new BlobRef[n];
    Outboard[] outboards = new Outboard[n];
    byte[][] chunks = new byte[n][];
    int sliceSize = 0;
    for (int i = 0; i < n; i++) {
      byte[] c = new byte[CHUNK];
      r.nextBytes(c);
      chunks[i] = c;
      whole[i] = held.receive(c);
      outboards[i] = Outboard.compute(c, 0, c.length);
      byte[] s = new byte[Outboard.GROUP_SIZE + outboards[i].encode().length];
      r.nextBytes(s);
      sliceSize = s.length;
      slice[i] = held.receive(s);
    }
    try (MemoryStores a = MemoryStores.create();
        MemoryStores b = MemoryStores.create();
        Mesh meshA =
            Mesh.start(
                a,
                a.identity(),
                MeshConfig.defaults(dir.resolve("a"))
                    .withMdns(false)
                    .withListen(new HostPort("127.0.0.1", 0))
                    .withName("a"),
                Discovery.none(),
                new MeshBlobs(held, held, (peer, ref) -> true, BlobLimits.defaults()));
        Mesh meshB =
            Mesh.start(
                b,
                b.identity(),
                MeshConfig.defaults(dir.resolve("b"))
                    .withMdns(false)
                    .withListen(null)
                    .withName("b"),
                Discovery.none())) {
      meshB.join(meshA.invite(Duration.ofMinutes(5)), Duration.ofSeconds(30));
      meshB.fetcher().fetch(whole[0]); // the connection is up and warm
      System.out.printf(
          "%d chunks of 256 KiB; slice on the wire %d bytes; load %s%n",
          n, sliceSize, Shell.loadavg());
      for (int round = 1; round <= rounds; round++) {
        long[] w = new long[n];
        long[] s = new long[n];
        long bytes0 = meshB.blobStats().fetchedBytes().sum();
        long wholeBytes = 0;
        for (int i = 0; i < n; i++) {
          int k = (i * 7919 + round) % n;
          long t0 = System.nanoTime();
          wholeBytes += meshB.fetcher().fetch(whole[k]).length;
          w[i] = System.nanoTime() - t0;
          int g = r.nextInt(outboards[k].groupCount());
          t0 = System.nanoTime();
          meshB.fetcher().fetch(slice[k]);
          if (!outboards[k].verifies(
              g, chunks[k], (int) outboards[k].groupStart(g), Outboard.GROUP_SIZE)) {
            throw new AssertionError("group " + g + " does not verify");
          }
          s[i] = System.nanoTime() - t0;
        }
        long sliceBytes = meshB.blobStats().fetchedBytes().sum() - bytes0 - wholeBytes;
        System.out.printf(
            "round %d: whole chunk p50 %.3f ms p99 %.3f ms, %d KiB moved; slice p50 %.3f ms p99"
                + " %.3f ms, %d KiB moved; whole/slice p50 %.2f (load %s)%n",
            round,
            pct(w, 50),
            pct(w, 99),
            wholeBytes >> 10,
            pct(s, 50),
            pct(s, 99),
            sliceBytes >> 10,
            pct(w, 50) / pct(s, 50),
            Shell.loadavg());
      }
    } finally {
      Shell.run("rm", "-rf", dir.toString());
    }
  }

  static double pct(long[] nanos, int p) {
    long[] x = nanos.clone();
    Arrays.sort(x);
    return x[Math.min(x.length - 1, x.length * p / 100)] / 1e6;
  }
}
