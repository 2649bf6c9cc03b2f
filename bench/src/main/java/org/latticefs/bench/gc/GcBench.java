package org.latticefs.bench.gc;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.ManifestRoots;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.ManifestShape;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.gc.CollectableStore;
import org.latticefs.gc.Collector;
import org.latticefs.gc.PassListener;
import org.latticefs.gc.PassReport;

/**
 * One collection pass over a generated disk store of about {@code blobs} blobs (small chunks of
 * random 256 KiB files; every tenth file is garbage), and the store's open time with and without
 * its usage record. Prints one line per measurement. Not a test.
 *
 * <pre>
 * BENCH_JAVA_OPTS=-Xmx256m bench/run GcBench /var/tmp/gcbench 1000000
 * </pre>
 *
 * The store is kept (generated once): run it again to time another pass; the first real pass
 * removes the garbage, so later passes sweep none.
 */
public final class GcBench {
  private static final Chunker CHUNKER = new Chunker(64, 128, 256, 2);
  private static final int FILE_BYTES = 256 * 1024;

  private GcBench() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    long blobs = Long.parseLong(args[1]);
    Path rootsFile = dir.resolve("roots.txt");
    try (DiskBlobStore store = DiskBlobStore.open(dir)) {
      if (store.blobCount() < blobs) {
        generate(store, blobs, rootsFile);
      }
    }
    for (boolean withRecord : new boolean[] {true, false}) {
      if (!withRecord) {
        Files.deleteIfExists(dir.resolve("cas/usage"));
      }
      long t0 = System.nanoTime();
      try (DiskBlobStore store = DiskBlobStore.open(dir)) {
        System.out.printf(
            "open %s: %.3f s, %,d blobs%n",
            withRecord ? "with usage record" : "without usage record (walks every shard)",
            (System.nanoTime() - t0) / 1e9,
            store.blobCount());
      }
    }
    List<BlobRef> roots = new ArrayList<>();
    for (String line : Files.readAllLines(rootsFile)) {
      roots.add(BlobRef.parse(line));
    }
    ManifestRoots source =
        sink -> {
          for (BlobRef r : roots) {
            sink.root(r);
          }
        };
    try (DiskBlobStore store = DiskBlobStore.open(dir)) {
      Collector collector =
          new Collector(
              CollectableStore.of(store),
              List.of(source),
              InstantSource.system(),
              System::nanoTime,
              new SplittableRandom());
      for (boolean dryRun : new boolean[] {true, false}) {
        System.gc();
        PassReport r = collector.run(dryRun, PassListener.NONE);
        System.out.printf(
            "%s: %.3f s, %,d blobs examined, %,d garbage, %,d removed, live set %,d bytes,"
                + " heap used %,d MiB, peak RSS %,d MiB%n",
            dryRun ? "dry run" : "pass",
            r.elapsed().toNanos() / 1e9,
            r.examinedBlobs(),
            r.garbageBlobs(),
            r.removedBlobs(),
            r.liveSetBytes(),
            ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed() >> 20,
            peakRssKib() >> 10);
      }
    }
  }

  private static void generate(DiskBlobStore store, long blobs, Path rootsFile) throws IOException {
    FileIngester ingester = new FileIngester(store, CHUNKER, ManifestShape.DEFAULT);
    SplittableRandom random = new SplittableRandom(42);
    byte[] data = new byte[FILE_BYTES];
    List<String> roots = new ArrayList<>();
    long t0 = System.nanoTime();
    for (int file = 0; store.blobCount() < blobs; file++) {
      random.nextBytes(data);
      BlobRef m = ingester.ingest(new ByteArrayInputStream(data)).manifest();
      if (file % 10 != 9) {
        roots.add(m.hex());
      }
    }
    Files.write(rootsFile, roots);
    System.out.printf(
        "generated %,d blobs in %.1f s at %s%n",
        store.blobCount(), (System.nanoTime() - t0) / 1e9, Instant.now());
  }

  private static long peakRssKib() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmHWM:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }
}
