package org.latticefs.bench.fs;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.latticefs.bench.Shell;
import org.latticefs.cas.chunk.FileIngester;
import org.latticefs.cas.store.CachingBlobFetcher;
import org.latticefs.cas.store.DiskBlobStore;
import org.latticefs.fs.Caller;
import org.latticefs.fs.FsConfig;
import org.latticefs.fs.core.LatticeFileSystem;
import org.latticefs.kv.store.DiskStores;

/**
 * What an edit in the middle of a large file costs: a 256 MiB file is written and committed (a full
 * ingest), then 4 KiB in its middle are overwritten and committed again (an incremental re-ingest).
 * Prints the bytes each commit read and chunked and its wall time. Runs on the real kv and
 * DiskBlobStore, calling the filesystem directly (no mount). Command:
 *
 * <pre>
 * bench/run EditBench [dir=/var/tmp/lattice-edit-bench]
 * </pre>
 */
public final class EditBench {
  private EditBench() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp/lattice-edit-bench");
    Shell.deleteTree(base);
    Files.createDirectories(base);
    long size = 256L << 20;
    try (DiskStores stores = DiskStores.open(base.resolve("kv"));
        DiskBlobStore blobs = DiskBlobStore.open(base.resolve("cas"))) {
      FsConfig config =
          FsConfig.of(
              stores,
              blobs,
              new CachingBlobFetcher(blobs, 256L << 20),
              new FileIngester(blobs),
              base.resolve("staging"));
      LatticeFileSystem fs = new LatticeFileSystem(config);
      var me = new Caller(0, 0);
      fs.mkdir("/bench", 0755, me);
      long fh = fs.create("/bench/big.bin", 0644, 1, me);
      SplittableRandom rnd = new SplittableRandom(7);
      byte[] block = new byte[1 << 20];
      for (long pos = 0; pos < size; pos += block.length) {
        rnd.nextBytes(block);
        fs.write(fh, pos, ByteBuffer.wrap(block));
      }
      long before = fs.ingestedBytes();
      long t0 = System.nanoTime();
      fs.fsync(fh);
      double full = (System.nanoTime() - t0) / 1e6;
      long fullBytes = fs.ingestedBytes() - before;
      fs.release(fh);
      for (int round = 0; round < 3; round++) {
        fh = fs.open("/bench/big.bin", 2);
        byte[] patch = new byte[4096];
        rnd.nextBytes(patch);
        fs.write(fh, size / 2 + round * 12345L, ByteBuffer.wrap(patch));
        before = fs.ingestedBytes();
        t0 = System.nanoTime();
        fs.fsync(fh);
        double edit = (System.nanoTime() - t0) / 1e6;
        long editBytes = fs.ingestedBytes() - before;
        fs.release(fh);
        System.out.printf(
            "full commit of 256 MiB: %.0f ms, read %d MiB | 4 KiB edit commit: %.1f ms, read %d KiB"
                + " | time ratio %.0fx, bytes ratio %.0fx%n",
            full,
            fullBytes >> 20,
            edit,
            editBytes >> 10,
            full / edit,
            (double) fullBytes / editBytes);
      }
      fs.close();
    }
    Shell.deleteTree(base);
  }
}
