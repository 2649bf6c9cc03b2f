package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.control.Json;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * A full disk and a quota, end to end. The data directory lives on a small ext4 filesystem the test
 * makes (a loop-mounted image, as root) with {@code storage.min_free} set: filling it through the
 * mount stops with ENOSPC leaving the reserve free, and then deletes, renames, mkdir and a remount
 * succeed, every file whose write was acknowledged reads back, and nothing that returned an error
 * took effect (a file whose writes failed does not exist under its name; its bytes are listed as
 * unsaved). With a small {@code storage.quota}, a 200 MB {@code dd} fails with ENOSPC, the blob
 * store stays within the quota and the file keeps its last committed version.
 */
@Tag("slow")
class FullDiskE2E {
  private static final long MIB = 1 << 20;

  @TempDir Path tmp;
  Path disk;
  E2eNode node;

  @BeforeEach
  void setUp() throws Exception {
    MountE2E.requireFuse();
  }

  @AfterEach
  void tearDown() throws Exception {
    if (node != null) {
      node.cleanUp();
    }
    if (disk != null && MountE2E.sh("mountpoint -q '" + disk + "'").code() == 0) {
      MountE2E.sh("umount '" + disk + "'");
    }
  }

  @Test
  void aFullDiskKeepsItsReserveAndRecoversThroughTheMount() throws Exception {
    disk = smallDisk(128);
    node = new E2eNode(disk.resolve("home"), tmp.resolve("mnt"));
    Files.createDirectories(node.home);
    Files.writeString(node.home.resolve("config.properties"), "storage.min_free=16M\n");
    node.mount();
    Path store = node.mnt.resolve("s");
    assertEquals(0, MountE2E.sh("mkdir '" + store + "' '" + store + "/keep'").code());

    // Fill it: 1 MiB files, then small ones, each written by cp, until one fails.
    Path src = Files.createDirectories(tmp.resolve("src"));
    List<String> written = new ArrayList<>();
    String failed = fill(store, src, "big", 1 << 20, 400, written);
    String failedSmall = fill(store, src, "small", 8192, 20_000, written);
    assertTrue(written.size() > 50, "wrote " + written.size());
    long avail = availableBytes(disk);
    assertTrue(avail >= 8 * MIB, "min_free held: " + avail + " bytes left on the disk");

    // Nothing that failed took effect under its name: once the kernel has released the file
    // (after close returned), its bytes are listed as unsaved and the name is gone.
    for (String f : List.of(failed, failedSmall)) {
      awaitGone(store.resolve(f));
    }
    awaitUnsaved("/s/" + failed); // what its writes that worked wrote
    // Deletes, renames, mkdir and rmdir work on the full disk.
    String script =
        String.join(
            "; ",
            "set -e",
            "cd '" + store + "'",
            "rm " + written.get(0),
            "mv " + written.get(1) + " moved",
            "rmdir keep",
            "mkdir fresh",
            "rm " + written.get(2));
    Run ops = MountE2E.sh(script);
    assertEquals(0, ops.code(), ops.err() + "\n" + node.log());

    // A remount on the full disk starts and finds everything acknowledged.
    node.unmount();
    node.mount();
    assertFalse(Files.exists(store.resolve(written.get(0))));
    assertFalse(Files.exists(store.resolve("keep")));
    assertTrue(Files.isDirectory(store.resolve("fresh")));
    assertEquals(-1L, Files.mismatch(store.resolve("moved"), src.resolve(written.get(1))));
    for (String f : written.subList(3, written.size())) {
      assertEquals(-1L, Files.mismatch(store.resolve(f), src.resolve(f)), f);
    }
    for (String f : List.of(failed, failedSmall)) {
      assertFalse(Files.exists(store.resolve(f)), f);
    }
    node.unmount();
  }

  @Test
  void aWriteBeyondTheQuotaFailsEarlyAndTheFileKeepsItsVersion() throws Exception {
    node = new E2eNode(tmp.resolve("home"), tmp.resolve("mnt"));
    Files.createDirectories(node.home);
    Files.writeString(node.home.resolve("config.properties"), "storage.quota=50M\n");
    node.mount();
    Path src = tmp.resolve("keep.bin");
    byte[] keep = new byte[(int) (5 * MIB)];
    new Random(3).nextBytes(keep);
    Files.write(src, keep);
    Path file = node.mnt.resolve("s/keep.bin");
    assertEquals(
        0, MountE2E.sh("mkdir '" + node.mnt + "/s' && cp '" + src + "' '" + file + "'").code());
    // A new file, then overwriting the old one in place: both stop with ENOSPC, within the quota.
    Path fresh = node.mnt.resolve("s/new.bin");
    for (String target : List.of(fresh + "'", file + "' conv=notrunc")) {
      Run dd = MountE2E.sh("dd if=/dev/urandom of='" + target + " bs=1M count=200 2>&1");
      assertNotEquals(0, dd.code(), dd.out());
      assertTrue(dd.out().contains("No space left on device"), dd.out());
      Map<String, Object> sj = Json.parseObject(node.lattice("status", "--json").out(), 1 << 20);
      long blobBytes = (Long) sj.get("blob_bytes");
      assertTrue(blobBytes <= 50 * MIB, "blob bytes " + blobBytes + " within the 50M quota");
      if (target.startsWith(fresh.toString())) {
        // What it wrote is kept as unsaved; the file keeps its last committed version: empty, as
        // dd's ftruncate to 0 committed it.
        awaitUnsaved("/s/new.bin");
        awaitSize(fresh, 0);
      }
    }
    assertEquals(-1L, Files.mismatch(file, src), "the file keeps its last committed version");
    node.unmount();
    node.mount();
    assertEquals(-1L, Files.mismatch(file, src));
    node.unmount();
  }

  /**
   * Copies files of {@code size} random bytes named {@code prefix + i} into {@code store} until a
   * copy fails or {@code max} are written; adds the written names to {@code written} and returns
   * the name that failed.
   */
  private static String fill(
      Path store, Path src, String prefix, int size, int max, List<String> written)
      throws Exception {
    Random r = new Random(prefix.hashCode());
    byte[] b = new byte[size];
    for (int i = 0; i < max; i++) {
      String name = prefix + i;
      r.nextBytes(b);
      Files.write(src.resolve(name), b);
      Run cp = MountE2E.sh("cp '" + src.resolve(name) + "' '" + store.resolve(name) + "'");
      if (cp.code() != 0) {
        assertTrue(cp.err().contains("No space left on device"), cp.err());
        Files.delete(src.resolve(name));
        return name;
      }
      written.add(name);
    }
    fail("the disk never filled: " + max + " files of " + size + " bytes");
    return null;
  }

  /**
   * Waits (up to a minute) until {@code status} lists content of {@code path} as unsaved: what the
   * release of a file whose close failed does, after close has returned.
   */
  private void awaitUnsaved(String path) throws Exception {
    long deadline = System.nanoTime() + 60_000_000_000L;
    String last = "";
    while (System.nanoTime() < deadline) {
      last = node.lattice("status", "--json").out();
      Map<String, Object> sj = Json.parseObject(last, 1 << 20);
      if (sj.get("unsaved").toString().contains("path=" + path + ",")) {
        return;
      }
      Thread.sleep(100);
    }
    fail(path + " never listed as unsaved: " + last);
  }

  /**
   * Waits (up to 10 s) until {@code path} is gone from the mount: the kernel answers from its entry
   * cache for up to a second (libfuse's default timeout) after the daemon dropped a name.
   */
  private static void awaitGone(Path path) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Files.exists(path)) {
      if (System.nanoTime() > deadline) {
        fail(path + " still exists although its writes failed");
      }
      Thread.sleep(100);
    }
  }

  /** Waits (up to 10 s, the kernel caches attributes for a second) until a file has a size. */
  private static void awaitSize(Path path, long size) throws Exception {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (Files.size(path) != size) {
      if (System.nanoTime() > deadline) {
        fail(path + " is " + Files.size(path) + " bytes, not " + size);
      }
      Thread.sleep(100);
    }
  }

  /** A fresh ext4 filesystem of {@code mib} MiB, loop-mounted in the test's directory. */
  private Path smallDisk(int mib) throws Exception {
    Path img = tmp.resolve("disk.img");
    Path dir = Files.createDirectories(tmp.resolve("disk"));
    Run made =
        MountE2E.sh(
            "truncate -s "
                + mib
                + "M '"
                + img
                + "' && mkfs.ext4 -q -m 0 '"
                + img
                + "' && mount -o loop '"
                + img
                + "' '"
                + dir
                + "'");
    if (made.code() != 0) {
      String why = "cannot make a loop-mounted ext4 filesystem: " + made.err();
      if (System.getenv("CI") != null) {
        fail(why);
      }
      Assumptions.abort(why);
    }
    return dir;
  }

  private static long availableBytes(Path dir) throws Exception {
    return Files.getFileStore(dir).getUsableSpace();
  }
}
