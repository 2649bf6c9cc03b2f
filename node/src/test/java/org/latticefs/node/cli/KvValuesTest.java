package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.latticefs.kv.log.Entry;
import org.latticefs.node.LocalNode;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.control.ControlServer;
import org.latticefs.node.control.Json;
import org.latticefs.node.control.Wire;

/**
 * Values of any bytes and any size up to kv's limit, with and without a daemon in between: {@code
 * kv get} writes them back byte for byte, larger ones get the limit's message, and listings page
 * through them (issue 10, item 14). Slow: dozens of MiB-sized values committed and listed.
 */
@Tag("slow")
class KvValuesTest {
  @TempDir Path home;

  /** Runs a test twice: without a daemon ({@code false}), then through one ({@code true}). */
  @Retention(RetentionPolicy.RUNTIME)
  @Target(ElementType.METHOD)
  @ParameterizedTest(name = "daemon={0}")
  @ValueSource(booleans = {false, true})
  @interface BothWays {}

  /** Runs {@code body} with the CLI going directly to the data directory, or through a daemon. */
  void withMode(boolean daemon, ThrowingRunnable body) throws Exception {
    if (!daemon) {
      body.run();
      return;
    }
    DataDir dir = new DataDir(home);
    try (LocalNode node = LocalNode.open(dir);
        ControlServer server = ControlServer.start(dir, node)) {
      body.run();
    }
  }

  interface ThrowingRunnable {
    void run() throws Exception;
  }

  CliRun ok(byte[] stdin, String... args) {
    CliRun r = CliRun.runWithInput(home, stdin, args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + ": " + r.err());
    return r;
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @BothWays
  void getWritesTheValueBackByteForByte(boolean daemon) throws Exception {
    byte[] binary = random(700_000, 1);
    byte[] largest = random(Entry.MAX_VALUE_BYTES, 2);
    withMode(
        daemon,
        () -> {
          ok(binary, "kv", "put", "/bin");
          assertArrayEquals(binary, ok(new byte[0], "kv", "get", "/bin").bytes());
          ok(largest, "kv", "put", "/largest");
          assertArrayEquals(largest, ok(new byte[0], "kv", "get", "/largest").bytes());
          ok(new byte[0], "kv", "put", "/text", "no newline added in a pipe");
          assertEquals("no newline added in a pipe", ok(new byte[0], "kv", "get", "/text").out());
          Map<String, Object> j =
              Json.parseObject(ok(new byte[0], "kv", "get", "--json", "/bin").out(), 4 << 20);
          assertEquals(java.util.Base64.getEncoder().encodeToString(binary), j.get("value_base64"));
        });
  }

  @BothWays
  void aValueOverTheLimitGetsTheLimitsMessage(boolean daemon) throws Exception {
    withMode(
        daemon,
        () -> {
          CliRun r =
              CliRun.runWithInput(
                  home, new byte[Entry.MAX_VALUE_BYTES + 1], "kv", "put", "/too-big");
          assertEquals(1, r.code());
          assertEquals(
              "lattice-fs: the value for /too-big is more than 1048576 bytes; a value holds at most"
                  + " 1048576 bytes (1 MiB): keep larger data in a file in the mount\n",
              r.err());
          CliRun far = CliRun.runWithInput(home, new byte[5 << 20], "kv", "put", "/far");
          assertEquals(r.err().replace("/too-big", "/far"), far.err());
          String arg = "x".repeat(Entry.MAX_VALUE_BYTES + 10);
          CliRun asArg = CliRun.run(home, "kv", "put", "/arg", arg);
          assertTrue(
              asArg.err().startsWith("lattice-fs: the value for /arg is 1048586 bytes; a value"),
              asArg.err());
          assertEquals(1, CliRun.run(home, "kv", "get", "/too-big").code(), "nothing stored");
        });
  }

  @BothWays
  void listingsPageThroughLargeValuesAndPrintTheSameAsOneList(boolean daemon) throws Exception {
    List<NodeApi.Row> rows = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] v =
          i % 2 == 0 ? random(700_000, 10 + i) : ("small " + i).getBytes(StandardCharsets.UTF_8);
      rows.add(new NodeApi.Row("/k" + i, v));
    }
    withMode(
        daemon,
        () -> {
          for (NodeApi.Row r : rows) {
            ok(r.value(), "kv", "put", r.key());
          }
          List<Object> expected = new ArrayList<>();
          for (NodeApi.Row r : rows) {
            expected.add(Wire.row(r));
          }
          assertEquals(
              Json.pretty(expected) + "\n", ok(new byte[0], "kv", "ls", "--json", "/k").out());
          assertEquals(
              "/k0\n/k1\n/k2\n", ok(new byte[0], "kv", "ls", "-k", "--limit", "3", "/").out());
          assertEquals("[]\n", ok(new byte[0], "kv", "ls", "--json", "/none").out());
        });
  }

  @BothWays
  void aHistoryTooLargeForOneAnswerSaysHowManyFit(boolean daemon) throws Exception {
    withMode(
        daemon,
        () -> {
          for (int i = 0; i < 7; i++) {
            ok(random(1_000_000, i), "kv", "put", "/k");
          }
          CliRun r = CliRun.run(home, "kv", "history", "/k");
          assertEquals(1, r.code());
          assertEquals(
              "lattice-fs: the last 7 entries hold more than 4194304 bytes of keys and values, more"
                  + " than one answer carries; ask for fewer (--limit 4 fits)\n",
              r.err());
          assertEquals(
              4,
              ((List<?>)
                      Json.parse(
                          ok(new byte[0], "kv", "history", "--json", "--limit", "4", "/k").out(),
                          64 << 20))
                  .size());
        });
  }
}
