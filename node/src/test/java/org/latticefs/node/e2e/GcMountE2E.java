package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * The collector through a real mount and the real CLI: space comes back after an overwrite and a
 * delete, {@code du} and {@code df} agree with the disk, and a daemon killed with SIGKILL in the
 * middle of a pass loses nothing live. Slow: a GiB written twice, thousands of files.
 */
@Tag("slow")
class GcMountE2E {
  static final long QUOTA = 8L << 30;

  @TempDir Path tmp;
  Launcher l;

  @BeforeEach
  void setUp() throws Exception {
    l = Launcher.fresh(tmp, "storage.quota=" + QUOTA + "\nstorage.min_free=0\ngc.interval=0\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (l != null) {
      l.close();
    }
  }

  /** Sum of the sizes of the blob files under {@code cas/} (shards only). */
  static long blobBytes(Path home) throws IOException {
    try (Stream<Path> s = Files.walk(home.resolve("cas"), 2)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".blob"))
          .mapToLong(GcMountE2E::size)
          .sum();
    }
  }

  /** Apparent bytes of the files under {@code dir} whose path contains {@code part}. */
  static long bytesUnder(Path dir, String part) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile)
          .filter(p -> p.toString().contains(part))
          .mapToLong(GcMountE2E::size)
          .sum();
    }
  }

  static long size(Path p) {
    try {
      return Files.size(p);
    } catch (IOException e) {
      return 0;
    }
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  @Test
  void aGibOverwrittenAndDeletedComesBackAndDuAndDfAgree() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    assertEquals(
        0,
        Launcher.sh(
                "mkdir '" + docs + "' && head -c 20000000 /dev/urandom > '" + docs + "/keep.bin'")
            .code());
    long before = blobBytes(l.home);
    long logBefore = bytesUnder(l.home.resolve("kv"), "/logs/");
    long stateBefore = bytesUnder(l.home.resolve("kv"), "/state/");

    Path big = docs.resolve("big.bin");
    for (int round = 0; round < 2; round++) {
      Run w = Launcher.sh("head -c 1073741824 /dev/urandom > '" + big + "'");
      assertEquals(0, w.code(), w.err());
    }
    long full = blobBytes(l.home);
    assertTrue(full > before + (1L << 30), "both versions stored: " + full);
    Files.delete(big);

    Map<String, Object> gc = l.json(0, "gc", "--json");
    long after = blobBytes(l.home);
    long logAfter = bytesUnder(l.home.resolve("kv"), "/logs/");
    long stateAfter = bytesUnder(l.home.resolve("kv"), "/state/");
    System.out.printf(
        "blobs before %d, with two GiB versions %d, after gc %d (removed %d blobs, %d bytes in"
            + " %.2f s); log %d -> %d, state %d -> %d%n",
        before,
        full,
        after,
        num(gc, "removed_blobs"),
        num(gc, "removed_bytes"),
        ((Number) gc.get("seconds")).doubleValue(),
        logBefore,
        logAfter,
        stateBefore,
        stateAfter);
    assertTrue(Math.abs(after - before) <= before / 100, before + " vs " + after);
    assertTrue(num(gc, "removed_bytes") >= 2L << 30, "both GiB versions went");

    // du's total is du -sb of cas/; df's used bytes are what the store counts (du's used_bytes).
    Map<String, Object> du = l.json(0, "du", "--json");
    Run duSb = Launcher.sh("du -sb '" + l.home.resolve("cas") + "' | cut -f1");
    assertEquals(Long.parseLong(duSb.out().trim()), num(du, "total_bytes"), du.toString());
    assertEquals(0, num(du, "garbage_bytes"));
    Run df = Launcher.sh("df -B1 --output=used '" + l.mnt + "' | tail -1");
    long dfUsed = Long.parseLong(df.out().trim());
    assertTrue(
        Math.abs(dfUsed - num(du, "used_bytes")) < 4096,
        "df used " + dfUsed + " vs du used " + num(du, "used_bytes"));
    System.out.printf(
        "du total %d (du -sb cas %s), used %d, df used %d%n",
        num(du, "total_bytes"), duSb.out().trim(), num(du, "used_bytes"), dfUsed);
    assertEquals(0, l.lattice("unmount", l.mnt.toString()).code());
  }

  @Test
  void sigkillDuringAPassLosesNothingLive() throws Exception {
    long pid = l.mount();
    Path keep = l.mnt.resolve("docs/keep");
    Path drop = l.mnt.resolve("docs/drop");
    // 1,000 files to keep and 2,000 to delete, each just over the inline limit (64 KiB, kept in the
    // inode below it) so that each is a blob: their blobs make a sweep of a few seconds.
    Run w =
        Launcher.sh(
            "set -e; mkdir -p '"
                + keep
                + "' '"
                + drop
                + "'; for d in '"
                + keep
                + "' '"
                + drop
                + "' '"
                + drop
                + "'; do for i in $(seq 1 1000); do head -c 66000 /dev/urandom > \"$d/$i-$RANDOM\";"
                + " done; done; cd '"
                + keep
                + "' && sha256sum * > '"
                + tmp.resolve("sums")
                + "'");
    assertEquals(0, w.code(), w.err());
    long written = countBlobs(l.home);
    assertEquals(0, Launcher.sh("rm -rf '" + drop + "'").code());

    // Start a pass, and kill the daemon while it sweeps.
    ProcessBuilder pb =
        new ProcessBuilder(l.launcher.toString(), "--home", l.home.toString(), "gc", "--json");
    pb.environment().put("LATTICE_NO_BUILD", "1");
    pb.redirectErrorStream(true).redirectOutput(tmp.resolve("gc.out").toFile());
    Process gc = pb.start();
    for (int i = 0; i < 3000 && countBlobs(l.home) == written; i++) {
      Thread.sleep(10);
    }
    assertEquals(0, Launcher.sh("kill -9 " + pid).code());
    Launcher.waitForExit(pid);
    gc.waitFor();
    long left = countBlobs(l.home);
    System.out.println("killed mid-pass: " + written + " blobs, " + left + " left");
    assertTrue(left < written, "the pass had started removing");

    l.mount();
    Run check =
        Launcher.sh("cd '" + keep + "' && sha256sum -c --quiet '" + tmp.resolve("sums") + "'");
    assertEquals(0, check.code(), check.out() + check.err());
    Map<String, Object> again = l.json(0, "gc", "--json");
    assertTrue(num(again, "removed_blobs") > 0, "the next pass finishes the job");
    long kept = countBlobs(l.home);
    assertTrue(kept < left, "the kill came before the pass was done: " + kept + " < " + left);
    assertEquals(0, num(l.json(0, "gc", "--dry-run", "--json"), "garbage_blobs"));
    check = Launcher.sh("cd '" + keep + "' && sha256sum -c --quiet '" + tmp.resolve("sums") + "'");
    assertEquals(0, check.code(), check.out() + check.err());
    assertEquals(0, l.lattice("unmount", l.mnt.toString()).code());
  }

  /**
   * Blob files under {@code cas/}, by name only: a daemon may be removing them meanwhile, and a
   * walk that reads each file's attributes fails on one deleted between listing and reading.
   */
  static long countBlobs(Path home) throws IOException {
    long n = 0;
    try (java.nio.file.DirectoryStream<Path> dirs = Files.newDirectoryStream(home.resolve("cas"))) {
      for (Path dir : dirs) {
        try (java.nio.file.DirectoryStream<Path> blobs = Files.newDirectoryStream(dir, "*.blob")) {
          for (Path ignored : blobs) {
            n++;
          }
        } catch (java.nio.file.NotDirectoryException | java.nio.file.NoSuchFileException e) {
          // A record file, or a directory gone meanwhile: no blobs in it.
        }
      }
    }
    return n;
  }
}
