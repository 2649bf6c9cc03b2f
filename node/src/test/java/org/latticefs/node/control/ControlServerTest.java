package org.latticefs.node.control;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;

class ControlServerTest {
  @TempDir Path tmp;

  @Test
  void everyOperationRoundTripsThroughTheSocket() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    FakeNode fake = new FakeNode();
    try (ControlServer server = ControlServer.start(dir, fake);
        ControlClient c = ControlClient.connect(dir).orElseThrow()) {
      assertEquals(
          "rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.socket())));
      assertEquals(
          "rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.root())));
      assertEquals("lat1fake", c.nodeId());
      assertEquals("photos", c.createStore("photos").name());
      assertEquals(List.of(new NodeApi.StoreRow("id-photos", "photos", 7)), c.stores());
      byte[] bin = {0, (byte) 0xff, 10, 13};
      c.put(null, "/a", bin);
      c.put("photos", "/b", "x".getBytes(StandardCharsets.UTF_8));
      assertArrayEquals(bin, c.get(null, "/a").orElseThrow());
      assertTrue(c.get(null, "/zz").isEmpty());
      assertEquals(1, c.list(null, "/", null, 10).size());
      assertArrayEquals(bin, c.list(null, "/", null, 10).get(0).value());
      List<NodeApi.HeadRow> heads = c.heads(null, "/a");
      assertEquals(2, heads.size());
      assertNull(heads.get(1).value());
      NodeApi.EntryRow e = c.history(null, null, 5).get(0);
      assertEquals(2, e.ops().size());
      assertArrayEquals(new byte[] {1, 2}, e.ops().get(0).value());
      assertTrue(c.remove(null, "/a"));
      assertFalse(c.remove(null, "/a"));
      NodeApi.Status status = c.status();
      assertEquals(ProcessHandle.current().pid(), status.pid());
      assertEquals(
          "damaged /d/kv/x.log: entry 3 does not verify", status.damaged().get(0).describe());
      assertEquals(fake.status().unsaved(), status.unsaved());
      assertEquals(fake.status().health(), status.health(), "stores, pins: every figure travels");
      assertEquals(10, c.stat("/mnt/x").chunks().get(0).length());
      NodeException ne = assertThrows(NodeException.class, () -> c.put("nope", "/k", new byte[0]));
      assertEquals("no such store: 'nope'", ne.getMessage());
      assertEquals(1, ne.exitCode());
      assertEquals("invite-for-60", c.invite(60));
      assertEquals(
          new NodeApi.JoinRow("lat1joined", "other", "127.0.0.1:4710"), c.join("invite-for-60"));
      assertEquals(2, assertThrows(NodeException.class, () -> c.join("junk")).exitCode());
      c.addPeer("lat1peer", "10.0.0.2:4710");
      fake.peerRows.add(
          new NodeApi.PeerRow(
              "lat1two",
              "two",
              "active",
              List.of("[::1]:4710"),
              true,
              "127.0.0.1:5555",
              1234,
              567,
              List.of(new NodeApi.LagRow("s-id", "photos", 3, -1))));
      assertEquals(List.copyOf(fake.peerRows), c.peers());
      assertTrue(c.revoke("lat1peer"));
      assertEquals("revoked", c.peers().get(0).status());
      assertFalse(c.revoke("lat1nobody"));
      c.removeStore("photos");
      c.shutdown();
      assertTrue(fake.shutdown.get());
    }
    assertFalse(Files.exists(dir.socket()), "socket removed on close");
    assertTrue(ControlClient.connect(dir).isEmpty());
  }

  @Test
  void malformedFramesGetAnErrorAndTheServerKeepsServing() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    try (ControlServer server = ControlServer.start(dir, new FakeNode())) {
      for (byte[] junk :
          List.of(
              ByteBuffer.allocate(4).putInt(Frames.MAX_REQUEST + 1).array(),
              ByteBuffer.allocate(7).putInt(3).put("{x}".getBytes(StandardCharsets.UTF_8)).array(),
              frame("{\"op\":\"kv.put\",\"key\":\"/a\",\"value_base64\":\"!!\"}"),
              frame("{\"op\":\"frobnicate\"}"),
              frame("{\"op\":7}"),
              frame("{\"op\":\"kv.ls\",\"prefix\":\"/\",\"limit\":0}"))) {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(dir.socket()))) {
          ch.write(ByteBuffer.wrap(junk));
          Map<String, Object> resp = Frames.read(ch, Frames.MAX_RESPONSE);
          assertEquals(false, resp.get("ok"), resp.toString());
          assertEquals(2L, resp.get("exit"), resp.toString());
        }
      }
      try (ControlClient c = ControlClient.connect(dir).orElseThrow()) {
        assertEquals("lat1fake", c.nodeId());
      }
    }
  }

  @Test
  void staleSocketIsReplacedAndALiveOneRefused() throws Exception {
    DataDir dir = new DataDir(tmp.resolve("home"));
    dir.create();
    // A socket file nobody listens on, as a crashed daemon leaves it.
    ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    dead.bind(UnixDomainSocketAddress.of(dir.socket()));
    dead.close();
    assertTrue(Files.exists(dir.socket()));
    assertTrue(ControlClient.connect(dir).isEmpty());
    try (ControlServer server = ControlServer.start(dir, new FakeNode())) {
      NodeException e =
          assertThrows(NodeException.class, () -> ControlServer.start(dir, new FakeNode()));
      assertTrue(e.getMessage().contains("already serving"), e.getMessage());
    }
  }

  static byte[] frame(String json) {
    byte[] b = json.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(4 + b.length).putInt(b.length).put(b).array();
  }
}
