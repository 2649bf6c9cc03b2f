package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.control.Json;

/**
 * Bytes from peers when a peer dies: three nodes as separate processes through {@code ./lattice-fs}
 * (A, B, C all peers on 127.0.0.1); A writes a file, C reads it (so holds its bytes), B reads it
 * with nothing of it at hand, and A is killed with SIGKILL while A is sending B its chunks. B's
 * read finishes from C, byte-identical, without an error reaching the reader.
 */
@Tag("slow")
class PeerFailureE2E {
  private static final long SIZE = 128L << 20;
  private static final long PART = 24L << 20;

  @TempDir Path tmp;
  final List<E2eNode> nodes = new ArrayList<>();

  @BeforeEach
  void setUp() throws Exception {
    MountE2E.requireFuse();
  }

  @AfterEach
  void tearDown() throws Exception {
    for (E2eNode n : nodes) {
      n.cleanUp();
    }
  }

  static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** A node listening on a free loopback port, with {@code extra} config lines; not mounted. */
  E2eNode node(String name, String extra) throws Exception {
    E2eNode n = new E2eNode(tmp.resolve(name), tmp.resolve("mnt-" + name));
    Files.createDirectories(n.home);
    Files.writeString(
        n.home.resolve("config.properties"),
        "mesh.listen=127.0.0.1:"
            + freePort()
            + "\nmesh.mdns=off\nmesh.name="
            + name
            + "\n"
            + extra);
    nodes.add(n);
    return n;
  }

  static void join(E2eNode joiner, E2eNode to) throws Exception {
    String line = to.lattice("peer", "invite").out().trim();
    Launcher.Run r = joiner.lattice("peer", "join", line);
    assertEquals(0, r.code(), r.out() + r.err());
  }

  static long connectedPeers(E2eNode n) throws Exception {
    Launcher.Run r = n.lattice("peer", "ls", "--json");
    assertEquals(0, r.code(), r.err());
    return ((List<?>) Json.parse(r.out(), 1 << 20))
        .stream().filter(p -> Boolean.TRUE.equals(((Map<?, ?>) p).get("connected"))).count();
  }

  /** Where {@code n} serves its metrics. */
  static String metricsAddress(E2eNode n) throws Exception {
    Launcher.Run s = n.lattice("status", "--json");
    Matcher a = Pattern.compile("\"metrics\"\\s*:\\s*\"([0-9.]+:[0-9]+)\"").matcher(s.out());
    assertTrue(a.find(), "status --json names the metrics address: " + s.out());
    return a.group(1);
  }

  /** The counter {@code name} on the metrics page at {@code address} (0 if absent). */
  static double metric(String address, String name) throws Exception {
    String page =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://" + address + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Matcher m = Pattern.compile("(?m)^" + name + " ([0-9.eE+]+)$").matcher(page);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }

  static long blobBytes(E2eNode n) throws Exception {
    try (Stream<Path> s = Files.walk(n.home.resolve("cas"))) {
      return s.filter(f -> f.toString().endsWith(".blob"))
          .mapToLong(f -> f.toFile().length())
          .sum();
    }
  }

  static String sha256(Path f) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(f)) {
      for (int n; (n = in.read(buf)) > 0; ) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  @Test
  void killingAPeerMidTransferLetsTheReaderFinishFromAnother() throws Exception {
    E2eNode a = node("a", "metrics.listen=127.0.0.1:0\n");
    E2eNode b = node("b", "metrics.listen=off\n");
    E2eNode c = node("c", "metrics.listen=127.0.0.1:0\n");
    long pidA = a.mount();
    b.mount();
    c.mount();
    join(b, a);
    Path source = tmp.resolve("source.bin");
    byte[] block = new byte[1 << 20];
    Random r = new Random(15);
    try (OutputStream out = Files.newOutputStream(source)) {
      for (long at = 0; at < SIZE; at += block.length) {
        r.nextBytes(block);
        out.write(block);
      }
    }
    String digest = sha256(source);
    Files.createDirectories(a.mnt.resolve("media"));
    // B reads on demand: kept full (the default), it would mirror the file before the read.
    Path storeOnB = b.mnt.resolve("media");
    MeshE2E.until("b shows the store", () -> Files.isDirectory(storeOnB));
    Launcher.Run modeB = b.lattice("store", "mode", "media", "on-demand");
    assertEquals(0, modeB.code(), modeB.out() + modeB.err());
    Files.copy(source, a.mnt.resolve("media/film.mkv"));
    Files.delete(source);
    Files.write(a.mnt.resolve("media/warm.bin"), block);
    // B learns A's latency (C, joined later, is unknown to it, so asked after A).
    Path warmOnB = b.mnt.resolve("media/warm.bin");
    MeshE2E.until("b shows warm.bin", () -> Files.exists(warmOnB) && Files.size(warmOnB) > 0);
    assertEquals(
        HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(block)),
        sha256(warmOnB));
    join(c, a);
    MeshE2E.until("b meets both others", () -> connectedPeers(b) == 2);
    MeshE2E.until("c meets both others", () -> connectedPeers(c) == 2);
    // C keeps what it reads but claims no whole store, so presence does not put it ahead of A.
    Path storeOnC = c.mnt.resolve("media");
    MeshE2E.until("c shows the store", () -> Files.isDirectory(storeOnC));
    Launcher.Run mode = c.lattice("store", "mode", "media", "on-demand");
    assertEquals(0, mode.code(), mode.out() + mode.err());
    Path onC = c.mnt.resolve("media/film.mkv");
    MeshE2E.until("c shows the file", () -> Files.exists(onC) && Files.size(onC) == SIZE);
    assertEquals(digest, sha256(onC), "c read it from a");
    MeshE2E.until("c keeps what it read", () -> blobBytes(c) >= SIZE);

    Path onB = b.mnt.resolve("media/film.mkv");
    MeshE2E.until("b shows the file", () -> Files.exists(onB) && Files.size(onB) == SIZE);
    String metricsA = metricsAddress(a);
    String metricsC = metricsAddress(c);
    double servedByA = metric(metricsA, "lattice_mesh_served_bytes_total");
    double servedByC = metric(metricsC, "lattice_mesh_served_bytes_total");
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    long read = 0;
    try (InputStream in = Files.newInputStream(onB)) {
      // The first part, while A is up; then A dies with B's read (and its readahead) under way.
      for (int n; read < PART && (n = in.read(buf)) > 0; read += n) {
        d.update(buf, 0, n);
      }
      // A was serving B when it dies. Not necessarily most of it: B races a peer that answers
      // slower than a few times its usual latency, so on a loaded machine C may send much of it.
      assertTrue(
          metric(metricsA, "lattice_mesh_served_bytes_total") - servedByA > 0,
          "a sent b part of the first part");
      ProcessHandle.of(pidA).orElseThrow().destroyForcibly();
      Launcher.waitForExit(pidA);
      for (int n; (n = in.read(buf)) > 0; read += n) {
        d.update(buf, 0, n);
      }
    }
    assertEquals(SIZE, read);
    assertEquals(digest, HexFormat.of().formatHex(d.digest()), "b finished from c, byte-identical");
    assertTrue(
        metric(metricsC, "lattice_mesh_served_bytes_total") - servedByC >= SIZE - PART - (64 << 20),
        "c sent b the rest (all but what b had fetched ahead from a)");
    b.unmount();
    c.unmount();
  }
}
