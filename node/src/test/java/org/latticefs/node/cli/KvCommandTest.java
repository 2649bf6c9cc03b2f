package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.NodeId;
import org.latticefs.node.control.Json;

/** init, id, kv and store commands in-process against a real data directory (no daemon). */
class KvCommandTest {
  @TempDir Path home;

  CliRun ok(String... args) {
    CliRun r = CliRun.run(home, args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
    return r;
  }

  @Test
  void initCreatesTheIdentityOnceAndIdAgrees() throws Exception {
    CliRun first = ok("init");
    String id = first.out().trim();
    NodeId.parse(id);
    assertTrue(Files.isDirectory(home.resolve("kv")));
    assertEquals(
        "rwx------",
        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(home)));
    assertEquals(id, ok("init").out().trim(), "init is idempotent");
    assertEquals(id, ok("id").out().trim());
    Map<String, Object> j = Json.parseObject(ok("init", "--json").out(), 1 << 20);
    assertEquals(id, j.get("node_id"));
    assertEquals(false, j.get("created"));
    assertEquals(id, Json.parseObject(ok("id", "--json").out(), 1 << 20).get("node_id"));
  }

  @Test
  void aCommandOnAPreCreatedLeakyHomeMakesItPrivateFirst() throws Exception {
    Files.setPosixFilePermissions(
        home, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.writeString(home.resolve("config.properties"), "log.level=warn\n");
    Files.setPosixFilePermissions(
        home.resolve("config.properties"),
        java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    ok("kv", "put", "/k", "v");
    assertEquals("rwx------", mode(home));
    assertEquals("rw-------", mode(home.resolve("config.properties")));
    assertEquals("rwx------", mode(home.resolve("cas")));
    assertEquals("rwx------", mode(home.resolve("kv")));
  }

  static String mode(Path p) throws java.io.IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void putGetRmLsHeadsHistoryRoundTrip() throws Exception {
    ok("kv", "put", "/greeting", "hello world");
    ok("kv", "put", "/greeting", "hello again");
    ok("kv", "put", "/other", "x");
    CliRun viaStdin =
        CliRun.runWithInput(
            home, "line1\nline2".getBytes(StandardCharsets.UTF_8), "kv", "put", "/multi");
    assertEquals(0, viaStdin.code(), viaStdin.err());

    assertEquals("hello again", ok("kv", "get", "/greeting").out());
    assertEquals("line1\nline2", ok("kv", "get", "/multi").out());
    String ls = ok("kv", "ls", "/").out();
    assertTrue(ls.contains("/greeting  hello again\n"), ls);
    assertTrue(ls.contains("/multi  line1\\nline2\n"), ls);
    assertEquals("/greeting\n", ok("kv", "ls", "-k", "/gr").out());
    List<?> lsJson = (List<?>) Json.parse(ok("kv", "ls", "--json", "/gr").out(), 1 << 20);
    assertEquals(
        List.of(
            Map.of("key", "/greeting", "value", "hello again", "value_base64", "aGVsbG8gYWdhaW4=")),
        lsJson);

    List<?> heads = (List<?>) Json.parse(ok("kv", "heads", "--json", "/greeting").out(), 1 << 20);
    assertEquals(1, heads.size(), "a rewrite by the same node supersedes the old head");
    assertEquals("hello again", ((Map<?, ?>) heads.get(0)).get("value"));

    List<?> hist = (List<?>) Json.parse(ok("kv", "history", "--json", "/greeting").out(), 1 << 20);
    assertEquals(2, hist.size());
    Map<?, ?> last = (Map<?, ?>) hist.get(1);
    Map<?, ?> op = (Map<?, ?>) ((List<?>) last.get("ops")).get(0);
    assertEquals("put", op.get("op"));
    assertEquals("hello again", op.get("value"));
    assertTrue((Long) last.get("seq") > (Long) ((Map<?, ?>) hist.get(0)).get("seq"));
    String text = ok("kv", "history", "/greeting").out();
    assertTrue(text.contains("    put /greeting  hello world\n"), text);

    ok("kv", "rm", "/greeting");
    CliRun gone = CliRun.run(home, "kv", "get", "/greeting");
    assertEquals(1, gone.code());
    assertEquals("lattice-fs: no such key: /greeting\n", gone.err());
    assertEquals(1, CliRun.run(home, "kv", "rm", "/greeting").code());
    CliRun never = CliRun.run(home, "kv", "heads", "/never");
    assertEquals(1, never.code());
    assertEquals("lattice-fs: no such key: /never (never written)\n", never.err());
    String afterRm = ok("kv", "heads", "/greeting").out();
    assertTrue(afterRm.contains("<deleted>"), afterRm);
    List<?> all = (List<?>) Json.parse(ok("kv", "history", "--json").out(), 1 << 20);
    assertTrue(all.size() >= 5, "all entries, including the node's own registration");
    assertEquals(
        2,
        ((List<?>) Json.parse(ok("kv", "history", "--json", "--limit", "2").out(), 1 << 20))
            .size());
  }

  @Test
  void storesAndPerStoreKeys() throws Exception {
    String uuid = ok("store", "create", "photos").out().trim();
    ok("store", "create", "music");
    assertEquals(1, CliRun.run(home, "store", "create", "photos").code(), "names are unique");
    List<?> stores = (List<?>) Json.parse(ok("store", "ls", "--json").out(), 1 << 20);
    assertEquals(2, stores.size());
    assertEquals("music", ((Map<?, ?>) stores.get(0)).get("name"));
    assertTrue(ok("store", "ls").out().contains("photos  " + uuid));

    ok("kv", "put", "--store", "photos", "/k", "in photos");
    ok("kv", "put", "-s", uuid, "/k2", "by uuid");
    assertEquals("in photos", ok("kv", "get", "--store", uuid, "/k").out());
    assertEquals("by uuid", ok("kv", "get", "--store", "photos", "/k2").out());
    assertEquals(1, CliRun.run(home, "kv", "get", "/k").code(), "not in the root store");
    CliRun noStore = CliRun.run(home, "kv", "ls", "--store", "nope");
    assertEquals(1, noStore.code());
    assertTrue(noStore.err().contains("no such store: 'nope'"), noStore.err());

    ok("store", "rm", "music");
    assertEquals(1, ((List<?>) Json.parse(ok("store", "ls", "--json").out(), 1 << 20)).size());
    assertEquals(1, CliRun.run(home, "store", "rm", "music").code());
  }

  @Test
  void badArgumentsAreUsageErrorsWithAClearMessage() {
    for (String[] args :
        List.of(
            new String[] {"kv", "put", "nokey", "v"},
            new String[] {"kv", "get"},
            new String[] {"kv", "ls", "--limit", "0"},
            new String[] {"kv", "ls", "--limit", "many"},
            new String[] {"kv", "frob"},
            new String[] {"store", "create"},
            new String[] {"store", "create", "a", "b"},
            new String[] {"mount"},
            new String[] {"nosuchcommand"},
            new String[] {"--nosuchoption"})) {
      CliRun r = CliRun.run(home, args);
      assertEquals(2, r.code(), String.join(" ", args) + " -> " + r.err());
      assertTrue(r.err().startsWith("lattice-fs: "), r.err());
      assertTrue(r.err().contains("--help"), r.err());
    }
    assertEquals(2, CliRun.run(home, "kv").code(), "a group without a subcommand shows usage");
  }

  @Test
  void everyCommandHasHelp() {
    for (String[] args :
        List.of(
            new String[] {"--help"},
            new String[] {"kv", "--help"},
            new String[] {"kv", "put", "--help"},
            new String[] {"kv", "history", "--help"},
            new String[] {"store", "ls", "--help"},
            new String[] {"mount", "--help"},
            new String[] {"unmount", "--help"},
            new String[] {"status", "--help"},
            new String[] {"stat", "--help"},
            new String[] {"shell", "--help"},
            new String[] {"chunk", "--help"},
            new String[] {"init", "--help"},
            new String[] {"id", "--help"})) {
      CliRun r = CliRun.run(home, args);
      assertEquals(0, r.code(), String.join(" ", args));
      assertTrue(r.out().contains("Usage: lattice-fs"), r.out());
    }
  }

  @Test
  void daemonOnlyCommandsSayNoDaemonRuns() {
    for (String[] args :
        List.of(
            new String[] {"status"},
            new String[] {"unmount"},
            new String[] {"stat", home.resolve("x").toString()})) {
      CliRun r = CliRun.run(home, args);
      assertEquals(3, r.code(), String.join(" ", args) + ": " + r.err());
    }
    CliRun s = CliRun.run(home, "status");
    assertTrue(s.out().startsWith("not running"), s.out());
    Map<String, Object> j = Json.parseObject(CliRun.run(home, "status", "--json").out(), 1 << 20);
    assertEquals(false, j.get("running"));
    assertTrue(CliRun.run(home, "unmount").err().contains("no lattice-fs daemon is running"));
  }

  @Test
  void binaryValuesAreShownAsHexInTextAndBase64InJson() throws Exception {
    CliRun put = CliRun.runWithInput(home, new byte[] {0, 1, (byte) 0xff}, "kv", "put", "/bin");
    assertEquals(0, put.code(), put.err());
    assertEquals("/bin  0x0001ff\n", ok("kv", "ls", "/bin").out());
    Map<String, Object> j = Json.parseObject(ok("kv", "get", "--json", "/bin").out(), 1 << 20);
    assertEquals("AAH/", j.get("value_base64"));
  }
}
