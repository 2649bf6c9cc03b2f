package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.cas.hash.Outboard;

/**
 * Range reads in a JVM forced onto the pure-Java BLAKE3 ({@code -Dlattice.blake3=java}), where
 * outboards cannot be computed: they verify whole blobs, return the right bytes and still catch
 * corruption.
 */
class DiskBlobStoreJavaFallbackTest {
  @TempDir Path root;

  /** The child: prints one line per check, then {@code OK}. */
  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    System.out.println("implementation " + Blake3.implementation());
    System.out.println("outboards " + Outboard.isAvailable());
    byte[] data = new byte[300_000];
    new Random(1).nextBytes(data);
    try (DiskBlobStore store = DiskBlobStore.open(dir)) {
      BlobRef ref = store.receive(data);
      for (int i = 0; i < 3; i++) {
        byte[] got = store.fetchRange(ref, 100_000 + i, 4096);
        if (!Arrays.equals(got, Arrays.copyOfRange(data, 100_000 + i, 104_096 + i))) {
          System.out.println("WRONG BYTES");
          return;
        }
      }
      System.out.println("stats " + store.outboardStats());
      Path file = store.directory().resolve(ref.hex().substring(0, 2)).resolve(ref.hex() + ".blob");
      try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
        f.seek(250_000);
        f.write(data[250_000] ^ 1);
      }
      try {
        store.fetchRange(ref, 0, 10);
        System.out.println("CORRUPTION MISSED");
        return;
      } catch (CorruptBlobException expected) {
        System.out.println("corrupt " + store.corruptRefs().contains(ref));
      }
    }
    System.out.println("OK");
  }

  @Test
  void rangeReadsVerifyWholeBlobsWithoutNativeBlake3() throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p =
        new ProcessBuilder(
                java.toString(),
                "-Xmx256m",
                "-D" + Blake3.PROPERTY + "=java",
                "-cp",
                System.getProperty("java.class.path"),
                DiskBlobStoreJavaFallbackTest.class.getName(),
                root.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), out);
    assertEquals(0, p.exitValue(), out);
    List<String> lines = out.lines().filter(l -> !l.contains(" WARN ")).toList();
    assertTrue(lines.contains("outboards false"), out);
    assertTrue(
        lines.contains(
            "stats OutboardStats[entries=0, bytes=0, hits=0, misses=0, loaded=0, saved=0]"),
        out);
    assertTrue(lines.contains("corrupt true"), out);
    assertEquals("OK", lines.get(lines.size() - 1), out);
  }
}
