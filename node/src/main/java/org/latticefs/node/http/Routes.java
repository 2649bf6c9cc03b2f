package org.latticefs.node.http;

import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * What the HTTP server answers to one request, whatever carried it: {@code GET /metrics}
 * (Prometheus text format, or OpenMetrics when the {@code Accept} header asks for it), {@code GET
 * /} (the status page, {@link StatusPage}); 404 for any other path, 405 for a method other than GET
 * or HEAD. May block (a scrape reads counters and one {@code statfs}; the page asks the node for
 * its status): {@link HttpService} calls it off its network thread. Thread-safe.
 */
final class Routes {
  /** One answer: status code, content type, body, extra headers. */
  record Reply(int code, String type, byte[] body, Map<String, String> headers) {
    static Reply text(int code, String text) {
      return new Reply(
          code, "text/plain; charset=utf-8", text.getBytes(StandardCharsets.UTF_8), Map.of());
    }
  }

  private final PrometheusRegistry registry;
  private final HttpService.StatusSource status;
  private final ExpositionFormats formats = ExpositionFormats.init();

  Routes(PrometheusRegistry registry, HttpService.StatusSource status) {
    this.registry = registry;
    this.status = status;
  }

  /** The answer to {@code method} {@code path} (no query) with the {@code accept} header. */
  Reply answer(String method, String path, String accept) throws IOException {
    if (!method.equals("GET") && !method.equals("HEAD")) {
      Reply r = Reply.text(405, "method not allowed\n");
      return new Reply(r.code(), r.type(), r.body(), Map.of("Allow", "GET, HEAD"));
    }
    if (path.equals("/metrics")) {
      ExpositionFormatWriter w = formats.findWriter(accept);
      if (!w.isAvailable()) {
        w = formats.getPrometheusTextFormatWriter();
      }
      ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
      w.write(body, registry.scrape());
      return new Reply(200, w.getContentType(), body.toByteArray(), Map.of());
    }
    if (path.equals("/")) {
      byte[] page = StatusPage.render(status.status()).getBytes(StandardCharsets.UTF_8);
      return new Reply(200, "text/html; charset=utf-8", page, Map.of("Cache-Control", "no-store"));
    }
    return Reply.text(404, "not found: try / or /metrics\n");
  }
}
