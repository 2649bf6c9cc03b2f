package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.control.Json;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * Pins through a real mount and the real CLI: a folder pin follows a rename and covers a file added
 * later, a hash pin keeps an overwritten version through a collection pass (and unpinned, the pass
 * removes it), and a daemon killed with SIGKILL right after a pin was asked for completes it after
 * the restart; {@code du} counts a pinned file as pinned and an on-demand store's file as cache,
 * and its total is {@code du -sb} of {@code cas/}.
 */
class PinMountE2E {
  @TempDir Path tmp;
  Launcher l;

  @BeforeEach
  void setUp() throws Exception {
    l = Launcher.fresh(tmp, "storage.min_free=0\ngc.interval=0\n");
  }

  @AfterEach
  void tearDown() throws Exception {
    if (l != null) {
      l.close();
    }
  }

  @SuppressWarnings("unchecked")
  List<Map<String, Object>> pins() throws Exception {
    return (List<Map<String, Object>>)
        Json.parse(l.expect(0, "pin", "ls", "--json").out(), 16 << 20);
  }

  static long num(Map<String, Object> m, String k) {
    return ((Number) m.get(k)).longValue();
  }

  Path blobFile(String hex) {
    return l.home.resolve("cas").resolve(hex.substring(0, 2)).resolve(hex + ".blob");
  }

  void sh(String script) throws Exception {
    Run r = Launcher.sh(script);
    assertEquals(0, r.code(), script + ": " + r.err());
  }

  /** Polls {@code pin ls} (up to 60 s) until the pin of {@code target} matches. */
  Map<String, Object> awaitPin(String target, java.util.function.Predicate<Map<String, Object>> ok)
      throws Exception {
    Map<String, Object> last = null;
    for (int i = 0; i < 300; i++) {
      for (Map<String, Object> p : pins()) {
        if (p.get("target").equals(target)) {
          last = p;
        }
      }
      if (last != null && ok.test(last)) {
        return last;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("pin " + target + " never got there: " + last + "\n" + l.log());
  }

  @Test
  void aFolderPinFollowsARenameAndNewFilesAndAHashPinOutlivesAnOverwrite() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    sh(
        "mkdir -p '"
            + docs
            + "/album' && head -c 3000000 /dev/urandom > '"
            + docs
            + "/album/a' && head -c 2000000 /dev/urandom > '"
            + docs
            + "/album/b'");

    Map<String, Object> pin = l.json(0, "pin", "add", docs.resolve("album").toString(), "--json");
    assertEquals("stored", pin.get("state"), pin.toString());
    assertEquals("inode", pin.get("kind"));
    assertEquals("docs", pin.get("store"));
    assertTrue(num(pin, "bytes") >= 5_000_000, pin.toString());
    String target = (String) pin.get("target");

    sh("mv '" + docs + "/album' '" + docs + "/photos'");
    sh("head -c 4000000 /dev/urandom > '" + docs + "/photos/c'");
    Map<String, Object> after = awaitPin(target, p -> num(p, "bytes") >= 9_000_000);
    assertEquals("stored", after.get("state"));
    assertEquals(1, pins().size(), "the rename moved the pin, not copied it");
    // Pinning the new name again changes nothing: it is the same inode.
    assertEquals(
        target, l.json(0, "pin", "add", docs.resolve("photos").toString(), "--json").get("target"));

    String version =
        (String) l.json(0, "stat", docs.resolve("photos/c").toString(), "--json").get("manifest");
    Map<String, Object> hashPin = l.json(0, "pin", "add", version, "--json");
    assertEquals("stored", hashPin.get("state"));
    assertEquals("manifest", hashPin.get("kind"));
    Map<String, Object> where = l.json(0, "whereis", version, "--json");
    assertTrue(where.get("nodes").toString().contains("pinned this version"), where.toString());
    assertEquals(true, ((Map<?, ?>) where.get("here")).get("complete"));
    sh("head -c 4000000 /dev/urandom > '" + docs + "/photos/c'");
    l.json(0, "gc", "--json");
    assertTrue(Files.exists(blobFile(version)), "the pinned version outlives the overwrite and gc");

    l.expect(0, "pin", "rm", version);
    l.expect(0, "pin", "rm", docs.resolve("photos").toString());
    assertEquals(0, pins().size());
    Run notPinned = l.lattice("pin", "rm", version);
    assertEquals(1, notPinned.code(), notPinned.err());
    assertTrue(Files.exists(blobFile(version)), "unpinning deletes nothing");
    l.json(0, "gc", "--json");
    assertTrue(!Files.exists(blobFile(version)), "unpinned and overwritten: garbage");
    assertEquals(3000000, Files.size(docs.resolve("photos/a")));
  }

  @Test
  void whereisNamesTheFullNodeOnceItClaimedTheStoreAndStoreModeWithdrawsIt() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    sh("mkdir -p '" + docs + "' && head -c 1000000 /dev/urandom > '" + docs + "/a'");
    String a = docs.resolve("a").toString();
    l.expect(0, "unmount");
    l.mount(); // the claim is written at start, for every full store found whole here
    Map<String, Object> w = awaitWhere(a, true);
    assertEquals("full", w.get("mode_here"));
    assertEquals(true, ((Map<?, ?>) w.get("here")).get("complete"));

    Map<String, Object> mode = l.json(0, "store", "mode", "docs", "on-demand", "--json");
    assertEquals("on-demand", mode.get("mode"));
    assertEquals(true, mode.get("changed"));
    awaitWhere(a, false);
    l.json(0, "store", "mode", "docs", "full", "--json");
    awaitWhere(a, true);
    Run bad = l.lattice("store", "mode", "docs", "sometimes");
    assertEquals(1, bad.code(), bad.err());
  }

  @Test
  void duCountsAPinnedFileAsPinnedAnOnDemandFileAsCacheAndTotalsLikeDuOfCas() throws Exception {
    l.mount();
    Path docs = l.mnt.resolve("docs");
    Path media = l.mnt.resolve("media");
    sh(
        "mkdir -p '"
            + docs
            + "' '"
            + media
            + "' && head -c 3000000 /dev/urandom > '"
            + docs
            + "/kept' && head -c 1000000 /dev/urandom > '"
            + docs
            + "/pinned' && head -c 2000000 /dev/urandom > '"
            + media
            + "/cached'");
    assertEquals(
        "stored",
        l.json(0, "pin", "add", docs.resolve("pinned").toString(), "--json").get("state"));
    l.json(0, "store", "mode", "media", "on-demand", "--json");

    Map<String, Object> du = l.json(0, "du", "--json");
    assertEquals(true, du.get("complete"), du.toString());
    // Pinned: the pinned file's chunks and its manifest; cache: the on-demand file's chunks only
    // (its manifest stays: eviction keeps manifest nodes); referenced: the rest, the full store's
    // file and the manifests of the on-demand one.
    long manifests = 64 << 10;
    assertBetween(1_000_000, 1_000_000 + manifests, num(du, "pinned_bytes"), du);
    assertEquals(2_000_000, num(du, "cache_bytes"), du.toString());
    assertBetween(3_000_000, 3_000_000 + 2 * manifests, num(du, "referenced_bytes"), du);
    assertEquals(
        num(du, "live_bytes"),
        num(du, "pinned_bytes") + num(du, "referenced_bytes") + num(du, "cache_bytes"));
    assertTrue(!du.containsKey("note"), du.toString());
    Run duSb = Launcher.sh("du -sb '" + l.home.resolve("cas") + "' | cut -f1");
    assertEquals(Long.parseLong(duSb.out().trim()), num(du, "total_bytes"), du.toString());

    Run human = l.expect(0, "du");
    assertTrue(human.out().contains("pinned") && human.out().contains("cache"), human.out());
  }

  static void assertBetween(long low, long high, long actual, Map<String, Object> du) {
    assertTrue(low <= actual && actual <= high, low + " <= " + actual + " <= " + high + ": " + du);
  }

  Map<String, Object> awaitWhere(String path, boolean claimed) throws Exception {
    Map<String, Object> w = null;
    for (int i = 0; i < 150; i++) {
      w = l.json(0, "whereis", path, "--json");
      if (w.get("nodes").toString().contains("keeps the whole store") == claimed) {
        return w;
      }
      Thread.sleep(200);
    }
    throw new AssertionError("whole-store claim never " + claimed + ": " + w + "\n" + l.log());
  }

  @Test
  void aPinAskedForJustBeforeASigkillCompletesAfterTheRestart() throws Exception {
    long pid = l.mount();
    Path docs = l.mnt.resolve("docs");
    sh("mkdir -p '" + docs + "/keep' && head -c 30000000 /dev/urandom > '" + docs + "/keep/big'");
    String sum = Launcher.sh("sha256sum < '" + docs + "/keep/big'").out();

    Map<String, Object> pin =
        l.json(0, "pin", "add", "--no-wait", docs.resolve("keep").toString(), "--json");
    sh("kill -9 " + pid);
    Launcher.waitForExit(pid);

    l.mount();
    Map<String, Object> done =
        awaitPin((String) pin.get("target"), p -> "complete".equals(p.get("phase")));
    assertEquals("stored", done.get("state"), done.toString());
    assertTrue(num(done, "bytes") >= 30_000_000, done.toString());
    assertEquals(sum, Launcher.sh("sha256sum < '" + docs + "/keep/big'").out());
  }
}
