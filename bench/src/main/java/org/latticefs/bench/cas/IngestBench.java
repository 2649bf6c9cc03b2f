package org.latticefs.bench.cas;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.latticefs.cas.chunk.Chunker;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.chunk.IngestResult;
import org.latticefs.cas.chunk.ManifestReader;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * Ingest of a large file into a {@link DiskBlobStore} compared with {@code cp} of the same file to
 * the same disk, in one run, interleaved (cp, ingest, cp, ingest, ...), medians.
 *
 * <ul>
 *   <li>"cp+sync": {@code cp SRC DST && sync DST} — durable, like an ingest (whose batch commit
 *       fsyncs every chunk and directory before returning).
 *   <li>"cp": {@code cp SRC DST}, not durable (page cache only), for reference.
 *   <li>ingest: {@link FileIngester#ingest(FileChannel)} into a fresh store, durable.
 * </ul>
 *
 * Each round's store is kept until the end of the run (see the comment in {@link #run}): ext4
 * without a journal makes creates scan past inodes deleted in the last 60-300 s, so a run started
 * within 5 minutes of deleting many files (another run's stores) measures that scan too.
 *
 * <p>Then, on one store: a second ingest of the same file (disk growth), and a 1-byte insert in the
 * middle (new chunks stored, by {@link FileIngester#reingest} and by a full ingest).
 *
 * <p>Arguments: {@code [dir] [size-MiB] [rounds] [drop-caches]}, defaults {@code /tmp 1024 3}. With
 * {@code drop-caches} (root only) the run first syncs and drops the kernel's caches, so that files
 * deleted in the last minutes (an earlier run's stores, a test suite) no longer count as recently
 * deleted: ext4 only checks inode table blocks it has cached. The source file is random data
 * written once and read from the page cache by both tools.
 *
 * <p>Run from the repository root: {@code bench/run cas.IngestBench /tmp 1024 3}. Figures in
 * BENCHMARKS.md.
 */
public final class IngestBench {
  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/tmp");
    long size = (args.length > 1 ? Long.parseLong(args[1]) : 1024) << 20;
    int rounds = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    if (args.length > 3 && args[3].equals("drop-caches")) {
      sync();
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3");
      System.out.println("dropped the page cache, dentries and inodes");
    }
    Path dir = Files.createTempDirectory(base, "ingestbench");
    try {
      run(dir, size, rounds);
    } finally {
      deleteTree(dir);
    }
  }

  static void run(Path dir, long size, int rounds) throws Exception {
    Path src = dir.resolve("src.bin");
    writeRandom(src, size, 1);
    System.out.printf(
        Locale.ROOT,
        "BLAKE3: %s; chunker %s; file %d MiB in %s; %d rounds%n",
        Blake3.implementation(),
        Chunker.DEFAULT,
        size >> 20,
        dir,
        rounds);
    double[] cpSync = new double[rounds];
    double[] cp = new double[rounds];
    double[] ingest = new double[rounds];
    double[] cpSyncCpu = new double[rounds];
    double[] cpCpu = new double[rounds];
    double[] ingestCpu = new double[rounds];
    double[] openSecs = new double[rounds];
    long chunks = 0;
    for (int r = 0; r < rounds; r++) {
      double[] w = shell(dir, "cp src.bin dst.bin && sync dst.bin");
      cpSync[r] = w[0];
      cpSyncCpu[r] = w[1];
      Files.delete(dir.resolve("dst.bin"));
      sync();
      // The store is opened before the clock starts and closed after it stops, as in a running
      // daemon: opening an empty store creates its 256 shard directories, once per data directory.
      Path storeDir = dir.resolve("store" + r);
      long tOpen = System.nanoTime();
      try (DiskBlobStore store = DiskBlobStore.open(storeDir);
          FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
        openSecs[r] = (System.nanoTime() - tOpen) / 1e9;
        double c0 = processCpu();
        long t0 = System.nanoTime();
        IngestResult res = new FileIngester(store).ingest(ch);
        ingest[r] = (System.nanoTime() - t0) / 1e9;
        ingestCpu[r] = processCpu() - c0;
        chunks = res.chunkCount();
      }
      // Each round ingests into a new store and the stores are deleted only at the end: ext4
      // without a journal (this machine's) will not reuse an inode deleted in the last 60 s, or 300
      // s once its inode table block is dirty, and scans past every such inode on each create
      // (recently_deleted() in ialloc.c), so deleting a round's 3,564 blobs would make the next
      // round's creates pay for it.
      w = shell(dir, "cp src.bin dst.bin");
      cp[r] = w[0];
      cpCpu[r] = w[1];
      Files.delete(dir.resolve("dst.bin"));
      sync();
      System.out.printf(
          Locale.ROOT,
          "round %d: cp+sync %.2f s, ingest %.2f s (%.2f CPU-s; store open %.2f s), cp %.2f s;"
              + " load %s%n",
          r + 1,
          cpSync[r],
          ingest[r],
          ingestCpu[r],
          openSecs[r],
          cp[r],
          Files.readString(Path.of("/proc/loadavg")).trim());
    }
    double mb = size / 1e6;
    double tCpSync = median(cpSync);
    double tCp = median(cp);
    double tIngest = median(ingest);
    System.out.println();
    System.out.println(
        "| | median wall s | MB/s | ingest throughput / this | median CPU-s (user+sys) |");
    System.out.println("|---|---|---|---|---|");
    System.out.printf(
        Locale.ROOT,
        "| cp + sync (durable) | %.2f | %.0f | %.2fx | %.2f |%n",
        tCpSync,
        mb / tCpSync,
        tCpSync / tIngest,
        median(cpSyncCpu));
    System.out.printf(
        Locale.ROOT,
        "| cp (page cache only) | %.2f | %.0f | %.2fx | %.2f |%n",
        tCp,
        mb / tCp,
        tCp / tIngest,
        median(cpCpu));
    System.out.printf(
        Locale.ROOT,
        "| lattice ingest (durable, %d chunks) | %.2f | %.0f | 1.00x | %.2f |%n",
        chunks,
        tIngest,
        mb / tIngest,
        median(ingestCpu));

    // Second ingest and a 1-byte insert, on one store.
    Path storeDir = dir.resolve("store");
    try (DiskBlobStore store = DiskBlobStore.open(storeDir)) {
      FileIngester ing = new FileIngester(store);
      IngestResult first;
      try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
        first = ing.ingest(ch);
      }
      long du1 = du(storeDir);
      long blobs1 = store.blobCount();
      long bytes1 = store.bytesStored();
      long t0 = System.nanoTime();
      IngestResult second;
      try (FileChannel ch = FileChannel.open(src, StandardOpenOption.READ)) {
        second = ing.ingest(ch);
      }
      double tSecond = (System.nanoTime() - t0) / 1e9;
      long du2 = du(storeDir);
      System.out.printf(
          Locale.ROOT,
          "%nsecond ingest of the same file: same manifest %b, %.2f s, new blobs %d, blob bytes"
              + " +%d, disk (du) %d -> %d bytes (+%.3f %%)%n",
          first.manifest().equals(second.manifest()),
          tSecond,
          store.blobCount() - blobs1,
          store.bytesStored() - bytes1,
          du1,
          du2,
          100.0 * (du2 - du1) / du1);

      Path edited = dir.resolve("edited.bin");
      long at = size / 2;
      insertByte(src, edited, at);
      long blobs2 = store.blobCount();
      long bytes2 = store.bytesStored();
      t0 = System.nanoTime();
      IngestResult inc;
      try (FileChannel ch = FileChannel.open(edited, StandardOpenOption.READ)) {
        inc = ing.reingest(store, first.manifest(), ch, at, at + 1, 1);
      }
      double tInc = (System.nanoTime() - t0) / 1e9;
      long newBlobsInc = store.blobCount() - blobs2;
      long newBytesInc = store.bytesStored() - bytes2;
      long blobs3 = store.blobCount();
      t0 = System.nanoTime();
      IngestResult full;
      try (FileChannel ch = FileChannel.open(edited, StandardOpenOption.READ)) {
        full = ing.ingest(ch);
      }
      double tFull = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          Locale.ROOT,
          "1-byte insert at %d: reingest %.3f s, read %d bytes, %d chunks re-cut; new blobs %d"
              + " (%d bytes, including manifest nodes); full re-ingest %.2f s adds %d blobs;"
              + " same manifest %b%n",
          at,
          tInc,
          inc.bytesRead(),
          inc.chunksReceived(),
          newBlobsInc,
          newBytesInc,
          tFull,
          store.blobCount() - blobs3,
          inc.manifest().equals(full.manifest()));
      java.util.Set<org.latticefs.cas.BlobRef> oldChunks = new java.util.HashSet<>();
      var cur = ManifestReader.open(store, first.manifest()).chunks();
      for (var c = cur.next(); c != null; c = cur.next()) {
        oldChunks.add(c.ref());
      }
      long newChunks = 0;
      long newChunkBytes = 0;
      cur = ManifestReader.open(store, inc.manifest()).chunks();
      for (var c = cur.next(); c != null; c = cur.next()) {
        if (oldChunks.add(c.ref())) {
          newChunks++;
          newChunkBytes += c.length();
        }
      }
      System.out.printf(
          Locale.ROOT,
          "of which data chunks: %d (%d bytes); manifest nodes: %d (mean chunk %d bytes)%n",
          newChunks,
          newChunkBytes,
          newBlobsInc - newChunks,
          size / first.chunkCount());
    }
  }

  /** Runs {@code cmd} under /usr/bin/time; returns {wall seconds, user+system CPU seconds}. */
  static double[] shell(Path dir, String cmd) throws IOException, InterruptedException {
    long t0 = System.nanoTime();
    Process p =
        new ProcessBuilder("/usr/bin/time", "-f", "%U %S", "sh", "-c", cmd)
            .directory(dir.toFile())
            .redirectOutput(ProcessBuilder.Redirect.INHERIT)
            .start();
    String err = new String(p.getErrorStream().readAllBytes()).trim();
    if (p.waitFor() != 0) {
      throw new IOException("failed: " + cmd + ": " + err);
    }
    double wall = (System.nanoTime() - t0) / 1e9;
    String[] last = err.substring(err.lastIndexOf('\n') + 1).split(" ");
    return new double[] {wall, Double.parseDouble(last[0]) + Double.parseDouble(last[1])};
  }

  static double processCpu() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1e9;
  }

  static void sync() throws IOException, InterruptedException {
    new ProcessBuilder("sync").inheritIO().start().waitFor();
  }

  static long du(Path p) throws IOException, InterruptedException {
    Process pr = new ProcessBuilder("du", "-s", "--block-size=1", p.toString()).start();
    String out = new String(pr.getInputStream().readAllBytes()).trim();
    pr.waitFor();
    return Long.parseLong(out.split("\\s+")[0]);
  }

  static double median(double[] xs) {
    double[] s = xs.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static void writeRandom(Path f, long size, long seed) throws IOException {
    SplittableRandom r = new SplittableRandom(seed);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(f)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
  }

  static void insertByte(Path src, Path dst, long at) throws IOException {
    try (FileChannel in = FileChannel.open(src, StandardOpenOption.READ);
        FileChannel out =
            FileChannel.open(
                dst,
                StandardOpenOption.CREATE,
                StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
      long n = in.size();
      for (long p = 0; p < at; ) {
        p += in.transferTo(p, at - p, out);
      }
      out.write(java.nio.ByteBuffer.wrap(new byte[] {42}));
      for (long p = at; p < n; ) {
        p += in.transferTo(p, n - p, out);
      }
    }
  }

  static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
