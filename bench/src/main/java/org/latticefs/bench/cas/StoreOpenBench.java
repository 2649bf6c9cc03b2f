package org.latticefs.bench.cas;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;
import org.latticefs.cas.store.DiskBlobStore;

/**
 * How long a {@link DiskBlobStore} with many blobs takes to open: after a crash (no usage record:
 * it walks every shard) and after a clean close (it reads the record and fixes the modes of its
 * directories, visiting no blob). The blobs are small files put in place directly, so that a
 * million of them are made in seconds; an open never reads them.
 *
 * <p>Arguments: {@code dir count}, defaults {@code /var/tmp 1000000}. Run from the repository root:
 * {@code bench/run StoreOpenBench /var/tmp 1000000}.
 */
public final class StoreOpenBench {
  public static void main(String[] args) throws Exception {
    Path base = Path.of(args.length > 0 ? args[0] : "/var/tmp");
    int count = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
    Path root = Files.createTempDirectory(base, "openbench");
    try {
      DiskBlobStore.open(root).close();
      SplittableRandom r = new SplittableRandom(1);
      byte[] hash = new byte[32];
      long t0 = System.nanoTime();
      for (int i = 0; i < count; i++) {
        for (int k = 0; k < 32; k++) {
          hash[k] = (byte) r.nextInt(256);
        }
        String hex = java.util.HexFormat.of().formatHex(hash);
        Files.write(root.resolve("cas").resolve(hex.substring(0, 2)).resolve(hex + ".blob"), hash);
      }
      double made = (System.nanoTime() - t0) / 1e9;
      Files.deleteIfExists(root.resolve("cas/usage"));
      long t1 = System.nanoTime();
      long blobs;
      try (DiskBlobStore s = DiskBlobStore.open(root)) {
        blobs = s.blobCount();
      }
      double afterCrash = (System.nanoTime() - t1) / 1e9;
      double[] clean = new double[3];
      for (int i = 0; i < clean.length; i++) {
        long t2 = System.nanoTime();
        try (DiskBlobStore s = DiskBlobStore.open(root)) {
          if (s.blobCount() != blobs) {
            throw new IllegalStateException(s.blobCount() + " blobs after a clean close");
          }
        }
        clean[i] = (System.nanoTime() - t2) / 1e9;
      }
      System.out.printf(
          Locale.ROOT,
          "%d blobs (made in %.1f s): open after a crash (walk) %.2f s; open after a clean close"
              + " %.2f s (median of 3, each including the close)%n",
          blobs,
          made,
          afterCrash,
          IngestBench.median(clean));
    } finally {
      IngestBench.deleteTree(root);
    }
  }
}
