package org.latticefs.node.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.kv.log.Entry;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;

/**
 * Slow, idle and greedy clients do not starve others; sizes up to kv's limits travel both ways and
 * beyond them the answer says so (issue 10, items 8 and 14).
 */
class ControlServerLimitsTest {
  /** A hang guard, not a speed claim: a working server answers in milliseconds. */
  static final Duration HANG = Duration.ofSeconds(60);

  @TempDir Path tmp;
  final List<SocketChannel> raw = new ArrayList<>();

  @AfterEach
  void closeRaw() throws IOException {
    for (SocketChannel c : raw) {
      c.close();
    }
  }

  SocketChannel rawConnection(DataDir dir) throws IOException {
    SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dir.socket()));
    raw.add(c);
    return c;
  }

  @Test
  void manyIdleConnectionsDoNotKeepACommandOut() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    try (ControlServer server = ControlServer.start(dir, new FakeNode())) {
      // More idle connections than the server serves at once (the old server had 8 workers).
      for (int i = 0; i < ControlServer.Limits.DEFAULT.maxConnections() + 8; i++) {
        rawConnection(dir);
      }
      String id =
          assertTimeoutPreemptively(
              HANG,
              () -> {
                try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
                  return c.nodeId();
                }
              });
      assertEquals("lat1fake", id);
    }
  }

  @Test
  void aSlowCommandDoesNotDelayAnother() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    FakeNode node = new FakeNode();
    node.statusGate = new CountDownLatch(1);
    try (ControlServer server = ControlServer.start(dir, node)) {
      CompletableFuture<NodeApi.Status> slow =
          CompletableFuture.supplyAsync(
              () -> {
                try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
                  return c.status();
                } catch (IOException e) {
                  throw new RuntimeException(e);
                }
              });
      node.statusEntered.await();
      assertTimeoutPreemptively(
          HANG,
          () -> {
            try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
              c.put(null, "/k", new byte[] {1});
              assertArrayEquals(new byte[] {1}, c.get(null, "/k").orElseThrow());
            }
          });
      assertEquals(false, slow.isDone(), "the slow command is still running");
      node.statusGate.countDown();
      assertEquals("lat1fake", slow.get().nodeId());
    }
  }

  @Test
  void whenEveryConnectionIsBusyANewcomerIsToldSo() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    FakeNode node = new FakeNode();
    node.statusGate = new CountDownLatch(1);
    ControlServer.Limits two = new ControlServer.Limits(2, 2, Duration.ofSeconds(30), HANG);
    try (ControlServer server = ControlServer.start(dir, node, two)) {
      for (int i = 0; i < 2; i++) {
        SocketChannel c = rawConnection(dir);
        Frames.write(c, Map.of("op", "status"), Frames.MAX_REQUEST);
      }
      waitUntil(() -> node.inStatus.get() == 2);
      NodeException e =
          assertThrows(
              NodeException.class,
              () -> {
                try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
                  c.nodeId();
                }
              });
      assertTrue(
          e.getMessage().startsWith("the daemon is busy: 2 control connections"), e.getMessage());
      assertEquals(1, e.exitCode());
      node.statusGate.countDown();
      for (SocketChannel c : raw) {
        assertEquals(true, Frames.read(c, Frames.MAX_RESPONSE).get("ok"));
        c.close();
      }
      waitUntil(() -> server.openConnections() == 0);
      try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
        assertEquals("lat1fake", c.nodeId(), "served again once they finished");
      }
    }
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void waitUntil(Check c) throws Exception {
    assertTimeoutPreemptively(
        HANG,
        () -> {
          while (!c.ok()) {
            Thread.sleep(10);
          }
        });
  }

  @Test
  void aStalledOrIdleClientIsClosedAfterTheReadTimeout() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    ControlServer.Limits quick = new ControlServer.Limits(8, 8, Duration.ofMillis(200), HANG);
    try (ControlServer server = ControlServer.start(dir, new FakeNode(), quick)) {
      SocketChannel idle = rawConnection(dir);
      SocketChannel stalled = rawConnection(dir);
      stalled.write(ByteBuffer.wrap(new byte[] {0, 0})); // half a length prefix, then nothing
      SocketChannel served = rawConnection(dir);
      Frames.write(served, Map.of("op", "ping"), Frames.MAX_REQUEST);
      assertEquals("pong", Frames.read(served, Frames.MAX_RESPONSE).get("result"));
      for (SocketChannel c : List.of(idle, stalled, served)) {
        int n = assertTimeoutPreemptively(HANG, () -> c.read(ByteBuffer.allocate(1)));
        assertEquals(-1, n, "closed by the server");
      }
    }
  }

  @Test
  void theLargestValueKvStoresTravelsBothWaysWithTheLongestKey() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    byte[] v = new byte[Entry.MAX_VALUE_BYTES];
    new java.util.Random(3).nextBytes(v);
    String key = "/" + "\u00e9".repeat((Entry.MAX_KEY_BYTES - 1) / 2);
    try (ControlServer server = ControlServer.start(dir, new FakeNode());
        ControlClient c = ControlClient.connect(dir).orElseThrow()) {
      c.put(null, key, v);
      try (ControlClient c2 = ControlClient.connect(dir).orElseThrow()) {
        assertArrayEquals(v, c2.get(null, key).orElseThrow());
        assertArrayEquals(v, c2.list(null, "/", null, 10).get(0).value());
      }
    }
  }

  @Test
  void aRequestOverTheLimitIsRefusedWithTheLimitNotABrokenPipe() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    try (ControlServer server = ControlServer.start(dir, new FakeNode())) {
      try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
        NodeException e =
            assertThrows(NodeException.class, () -> c.put(null, "/k", new byte[3 << 20]));
        assertTrue(
            e.getMessage().contains("more than the control protocol carries (2097152 bytes)"),
            e.getMessage());
      }
      // Another client that sends an oversized frame anyway gets the error frame, then EOF.
      SocketChannel c = rawConnection(dir);
      ByteBuffer big = ByteBuffer.allocate(4 + (3 << 20));
      big.putInt(3 << 20).position(big.capacity()).flip();
      try {
        while (big.hasRemaining()) {
          c.write(big);
        }
      } catch (IOException closedWhileWriting) {
        // expected once the server has answered and closed
      }
      Map<String, Object> r = Frames.read(c, Frames.MAX_RESPONSE);
      assertEquals(false, r.get("ok"));
      assertTrue(((String) r.get("error")).contains("limit 2097152"), r.toString());
    }
  }

  @Test
  void anAnswerOverTheLimitIsAnErrorSayingSo() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    FakeNode node = new FakeNode();
    byte[] v = new byte[Entry.MAX_VALUE_BYTES];
    for (int i = 0; i < 60; i++) {
      node.put(null, "/k" + i, v);
    }
    try (ControlServer server = ControlServer.start(dir, node);
        ControlClient c = ControlClient.connect(dir).orElseThrow()) {
      // The fake ignores the page budget, as a careless node might: the server still says no.
      NodeException e = assertThrows(NodeException.class, () -> c.list(null, "/", null, 1000));
      assertTrue(
          e.getMessage().startsWith("the answer is more than the control protocol carries"),
          e.getMessage());
    }
  }
}
