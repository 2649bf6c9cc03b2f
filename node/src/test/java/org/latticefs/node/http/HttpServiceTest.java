package org.latticefs.node.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.latticefs.fs.FsOp;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.MetricsListen;
import org.latticefs.node.metrics.FuseMetrics;

/** /metrics in both formats, the status page, and what the server refuses. */
class HttpServiceTest {
  private final HttpClient client = HttpClient.newHttpClient();

  static NodeApi.Status status(String nodeId, String storeName) {
    return new NodeApi.Status(
        42,
        nodeId,
        "/var/lib/lattice",
        "/srv/lattice",
        System.currentTimeMillis() - 3_600_000,
        10,
        4096,
        List.of(),
        List.of(),
        null,
        new NodeApi.Health(
            "1.2.3",
            List.of(new NodeApi.StoreHealth("u1", storeName, 0, "on-demand", 9, 7, 123_456_789)),
            7,
            1L << 30,
            900L << 20,
            5L << 30,
            10L << 30,
            1,
            0,
            0,
            3,
            1,
            System.currentTimeMillis() - 60_000,
            "127.0.0.1:9347",
            List.of(
                new NodeApi.PinRow(
                    "inode/u1/00000000000000a1",
                    storeName,
                    "pending",
                    "walking",
                    12,
                    3 << 20,
                    2,
                    "no peer has 1 blob")),
            1,
            4));
  }

  private HttpResponse<String> get(HttpService s, String path, String accept) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + s.address() + path));
    if (accept != null) {
      b.header("Accept", accept);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void servesMetricsInBothFormatsAndTheStatusPage() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    FuseMetrics fuse = new FuseMetrics(registry, () -> 3);
    fuse.answered(FsOp.WRITE, 4096, 1_000_000);
    fuse.answered(FsOp.READ, 100, 2_000);
    fuse.answered(FsOp.GETATTR, -2, 5_000);
    try (HttpService s =
        HttpService.start(
            new MetricsListen("127.0.0.1", 0), registry, () -> status("lat1node", "docs<&>"))) {
      HttpResponse<String> text = get(s, "/metrics", null);
      assertEquals(200, text.statusCode());
      assertTrue(text.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
      String body = text.body();
      assertTrue(body.contains("lattice_fuse_written_bytes_total 4096.0"), body);
      assertTrue(body.contains("lattice_fuse_read_bytes_total 100.0"), body);
      assertTrue(body.contains("lattice_fuse_open_files 3.0"), body);
      assertTrue(
          body.contains(
              "lattice_fuse_request_duration_seconds_count{op=\"getattr\",result=\"ENOENT\"} 1"),
          body);
      assertTrue(
          body.contains(
              "lattice_fuse_request_duration_seconds_count{op=\"write\",result=\"ok\"} 1"),
          body);

      HttpResponse<String> om =
          get(s, "/metrics", "application/openmetrics-text; version=1.0.0; charset=utf-8");
      assertTrue(
          om.headers().firstValue("Content-Type").orElse("").startsWith("application/openmetrics"));
      assertTrue(om.body().endsWith("# EOF\n"), om.body());

      HttpResponse<String> page = get(s, "/", null);
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("lat1node"));
      assertTrue(page.body().contains("docs&lt;&amp;&gt;"), "store names are escaped");
      assertFalse(page.body().contains("<script"));
      assertTrue(page.body().contains("1 corrupt blob(s) in quarantine"));
      assertTrue(page.body().contains("1 of 3 garbage collection pass(es) failed"), page.body());
      assertTrue(page.body().contains("<td>on-demand</td>"), "the store's mode");
      assertTrue(page.body().contains("<td class=\"n\">7</td>"), "its files");
      assertTrue(page.body().contains("117.7 MiB"), "their bytes");
      assertTrue(
          page.body()
              .contains(
                  "inode/u1/00000000000000a1 (store docs&lt;&amp;&gt;): pending, walking: 12"
                      + " blob(s) (3.0 MiB) so far, 2 missing (no peer has 1 blob)"),
          page.body());
      assertTrue(page.body().contains("1 of 4 pin(s) in progress"), page.body());

      assertEquals(404, get(s, "/nope", null).statusCode());
      HttpResponse<String> post =
          client.send(
              HttpRequest.newBuilder(URI.create("http://" + s.address() + "/metrics"))
                  .POST(HttpRequest.BodyPublishers.ofString("x"))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
    }
  }

  @Test
  void aStatusThatFailsIsA500AndTheServerGoesOn() throws Exception {
    PrometheusRegistry registry = new PrometheusRegistry();
    try (HttpService s =
        HttpService.start(
            new MetricsListen("127.0.0.1", 0),
            registry,
            () -> {
              throw new java.io.IOException("store closed");
            })) {
      assertEquals(500, get(s, "/", null).statusCode());
      assertEquals(200, get(s, "/metrics", null).statusCode());
    }
  }

  @Test
  void aBusyPortIsAClearError() throws Exception {
    try (HttpService first =
        HttpService.start(
            new MetricsListen("127.0.0.1", 0), new PrometheusRegistry(), () -> null)) {
      MetricsListen same = MetricsListen.parse(first.address());
      java.io.IOException e =
          assertThrows(
              java.io.IOException.class,
              () -> HttpService.start(same, new PrometheusRegistry(), () -> null));
      assertTrue(e.getMessage().contains("metrics.listen"), e.getMessage());
    }
  }

  @Test
  void listenAddressesParse() {
    assertTrue(MetricsListen.parse("off").isOff());
    assertEquals(new MetricsListen("0.0.0.0", 9347), MetricsListen.parse("0.0.0.0:9347"));
    assertEquals(new MetricsListen("::1", 80), MetricsListen.parse("[::1]:80"));
    assertEquals("[::1]:80", MetricsListen.parse("[::1]:80").toString());
    assertEquals("127.0.0.1:9347", MetricsListen.DEFAULT.toString());
    assertThrows(IllegalArgumentException.class, () -> MetricsListen.parse("9347"));
    assertThrows(IllegalArgumentException.class, () -> MetricsListen.parse("h:99999"));
  }
}
