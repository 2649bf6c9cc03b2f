package org.latticefs.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.latticefs.node.config.MetricsListen;
import org.latticefs.node.metrics.FuseMetrics;

/**
 * The HTTP server's bounds against clients that are slow on purpose (slowloris): idle connections,
 * headers trickled a byte at a time, a body announced and never sent, headers too large. None of
 * them holds a worker, so {@code /metrics} answers others while they all still hang; the oversized
 * ones are refused without being buffered.
 */
class SlowClientsTest {
  /**
   * How long a scrape may take while the slow clients hang: far above a normal answer
   * (milliseconds), far below the server's own request timeout, which is what would end the wait if
   * a slow client held a worker.
   */
  private static final Duration SCRAPE_TIMEOUT =
      Duration.ofSeconds(HttpService.REQUEST_TIMEOUT_SECONDS / 2);

  private final List<Socket> sockets = new ArrayList<>();

  @AfterEach
  void close() throws IOException {
    for (Socket s : sockets) {
      s.close();
    }
  }

  private Socket open(String address) throws IOException {
    String[] hp = address.split(":");
    Socket s = new Socket();
    s.connect(new InetSocketAddress(hp[0], Integer.parseInt(hp[1])), 5000);
    sockets.add(s);
    return s;
  }

  /** A server on a free loopback port whose status page is {@link HttpServiceTest#status}'s. */
  private static HttpService start(PrometheusRegistry registry, long deadlineMillis)
      throws IOException {
    return HttpService.start(
        new MetricsListen("127.0.0.1", 0),
        registry,
        () -> HttpServiceTest.status("lat1node", "docs"),
        deadlineMillis);
  }

  private static HttpResponse<String> scrape(String address) throws Exception {
    HttpClient client = HttpClient.newBuilder().connectTimeout(SCRAPE_TIMEOUT).build();
    return client.send(
        HttpRequest.newBuilder(URI.create("http://" + address + "/metrics"))
            .timeout(SCRAPE_TIMEOUT)
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void slowClientsHoldNoWorkerAndScrapesGoOn() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    new FuseMetrics(registry, () -> 1);
    try (HttpService s = start(registry, HttpService.REQUEST_TIMEOUT_SECONDS * 1000L)) {
      String address = s.address();
      for (int i = 0; i < 200; i++) {
        open(address); // idle: connected, nothing sent
      }
      List<Socket> trickling = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        Socket t = open(address);
        t.getOutputStream()
            .write(
                "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
        t.getOutputStream().flush();
        trickling.add(t);
      }
      for (int i = 0; i < 8; i++) {
        Socket b = open(address);
        b.getOutputStream()
            .write(
                ("GET /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        b.getOutputStream().flush();
      }
      for (int round = 0; round < 3; round++) {
        for (Socket t : trickling) {
          t.getOutputStream().write('a'); // one more byte of a header that never ends
          t.getOutputStream().flush();
        }
        HttpResponse<String> r = scrape(address);
        assertEquals(200, r.statusCode());
        assertTrue(r.body().contains("lattice_fuse_open_files 1.0"), r.body());
      }
    }
  }

  @Test
  void headersTooLargeAreRefusedNotBuffered() throws Exception {
    try (HttpService s =
        start(new PrometheusRegistry(), HttpService.REQUEST_TIMEOUT_SECONDS * 1000L)) {
      Socket big = open(s.address());
      big.setSoTimeout(10_000);
      OutputStream out = big.getOutputStream();
      out.write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      byte[] header = ("X-Big: " + "a".repeat(1000) + "\r\n").getBytes(StandardCharsets.US_ASCII);
      try {
        for (int i = 0; i < 1000; i++) { // 1 MB of headers
          out.write(header);
        }
        out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
      } catch (IOException closedByTheServer) {
        // The server may close before all of it is written: refused.
      }
      String status;
      try {
        InputStream in = big.getInputStream();
        status = new String(in.readNBytes(12), StandardCharsets.US_ASCII);
      } catch (java.net.SocketException reset) {
        status = "";
      }
      assertTrue(
          status.isEmpty()
              || status.startsWith("HTTP/1.1 431")
              || status.startsWith("HTTP/1.1 400"),
          "refused: '" + status + "'");
      assertEquals(200, scrape(s.address()).statusCode());
    }
  }

  @Test
  void connectionsThatDoNotFinishARequestInTimeAreClosed() throws Exception {
    try (HttpService s = start(new PrometheusRegistry(), 1000)) {
      Socket idle = open(s.address());
      Socket trickling = open(s.address());
      Socket body = open(s.address());
      OutputStream t = trickling.getOutputStream();
      t.write("GET /metrics HTTP/1.1\r\nHost: x\r\nX-Slow: ".getBytes(StandardCharsets.US_ASCII));
      body.getOutputStream()
          .write(
              "GET /nope HTTP/1.1\r\nHost: x\r\nContent-Length: 99\r\n\r\n"
                  .getBytes(StandardCharsets.US_ASCII));
      for (Socket c : List.of(idle, trickling, body)) {
        c.setSoTimeout(30_000);
      }
      // The trickler keeps sending; the deadline is for the whole request, not between bytes.
      Thread keepTrickling =
          new Thread(
              () -> {
                try {
                  while (true) {
                    t.write('a');
                    t.flush();
                    Thread.sleep(100);
                  }
                } catch (IOException | InterruptedException closed) {
                  // The server closed it: done.
                }
              });
      keepTrickling.start();
      assertEquals(-1, idle.getInputStream().read(), "an idle connection is closed");
      assertEquals(-1, trickling.getInputStream().read(), "a trickled request is closed");
      String answer = new String(body.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertTrue(answer.startsWith("HTTP/1.1 404"), "answered without its body: " + answer);
      assertTrue(answer.contains("connection: close"), "then closed: " + answer);
      keepTrickling.interrupt();
      keepTrickling.join();
    }
  }

  @Test
  void pastTheConnectionLimitNewConnectionsAreClosedAndTheLimitFreesAgain() throws Exception {
    try (HttpService s = start(new PrometheusRegistry(), 2000)) {
      List<Socket> held = new ArrayList<>();
      for (int i = 0; i < HttpService.MAX_CONNECTIONS; i++) {
        held.add(open(s.address()));
      }
      Socket extra = open(s.address());
      extra.setSoTimeout(30_000);
      assertEquals(-1, extra.getInputStream().read(), "closed at once");
      for (Socket h : held) {
        h.close();
      }
      // The server sees those closes shortly: a scrape gets through then.
      HttpResponse<String> r = null;
      for (int i = 0; i < 50 && r == null; i++) {
        try {
          r = scrape(s.address());
        } catch (IOException refusedYet) {
          Thread.sleep(100);
        }
      }
      assertEquals(200, r.statusCode());
    }
  }
}
