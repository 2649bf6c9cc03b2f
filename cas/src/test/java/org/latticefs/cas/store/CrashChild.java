package org.latticefs.cas.store;

import java.io.ByteArrayInputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobRef;

/**
 * The victim of {@link DiskBlobStoreCrashTest}: receives random blobs forever (plain, streamed and
 * in batches, with repeats) and prints {@code OK <ref>} once each receive or commit has returned.
 * Killed with SIGKILL by the test.
 *
 * <p>Usage: {@code CrashChild ROOT SEED}
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path root = Path.of(args[0]);
    Random r = new Random(Long.parseLong(args[1]));
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true);
    DiskBlobStore store =
        DiskBlobStore.open(
            root, DiskBlobStore.Options.defaults().withAccessFlushInterval(Duration.ofMillis(50)));
    List<byte[]> repeats = new ArrayList<>();
    out.println("READY");
    while (true) {
      int mode = r.nextInt(10);
      if (mode < 4) {
        byte[] b = blob(r, repeats, 300_000);
        out.println("OK " + store.receive(b));
      } else if (mode < 6) {
        byte[] b = blob(r, repeats, 2_000_000);
        out.println("OK " + store.receive(new ByteArrayInputStream(b)));
      } else if (mode < 9) {
        List<BlobRef> refs = new ArrayList<>();
        try (BlobBatch batch = store.newBatch()) {
          int n = 1 + r.nextInt(60);
          for (int i = 0; i < n; i++) {
            byte[] b = blob(r, repeats, 70_000);
            refs.add(batch.receive(b, 0, b.length));
          }
          batch.commit();
        }
        for (BlobRef ref : refs) {
          out.println("OK " + ref);
        }
      } else if (!repeats.isEmpty()) {
        store.fetch(org.latticefs.cas.hash.Blake3.hash(repeats.get(r.nextInt(repeats.size()))));
      }
    }
  }

  private static byte[] blob(Random r, List<byte[]> repeats, int maxSize) {
    if (!repeats.isEmpty() && r.nextInt(5) == 0) {
      return repeats.get(r.nextInt(repeats.size()));
    }
    byte[] b = new byte[r.nextInt(maxSize)];
    r.nextBytes(b);
    if (repeats.size() < 20 && b.length < 100_000) {
      repeats.add(b);
    }
    return b;
  }
}
