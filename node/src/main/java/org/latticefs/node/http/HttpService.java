package org.latticefs.node.http;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.expositionformats.ExpositionFormatWriter;
import io.prometheus.metrics.expositionformats.ExpositionFormats;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.MetricsListen;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's read-only HTTP server: {@code GET /metrics} (Prometheus text format, or OpenMetrics
 * when the {@code Accept} header asks for it) and {@code GET /} (the status page, {@link
 * StatusPage}). Anything else is 404; a method other than GET or HEAD is 405.
 *
 * <h2>Bounds</h2>
 *
 * Two worker threads and a queue of 16 requests; past that a request is dropped (logged) and its
 * connection closed by the response timeout: the JDK server closes a connection whose request takes
 * longer than {@value #REQUEST_TIMEOUT_SECONDS} s to arrive or whose response takes longer to be
 * sent ({@code sun.net.httpserver.maxReqTime} and {@code maxRspTime}, set here unless given), so no
 * client holds a worker longer than that. A scrape reads counters only: it never waits for a
 * store's writer or the disk, except one {@code statfs} of the data disk.
 *
 * <p>It binds where {@link MetricsListen} says (loopback by default) and has no authentication.
 */
public final class HttpService implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HttpService.class);
  static final int REQUEST_TIMEOUT_SECONDS = 10;
  private static final int THREADS = 2;
  private static final int QUEUE = 16;

  /** What the status page shows; from the daemon. */
  @FunctionalInterface
  public interface StatusSource {
    NodeApi.Status status() throws IOException;
  }

  private final HttpServer server;
  private final ThreadPoolExecutor pool;
  private final PrometheusRegistry registry;
  private final StatusSource status;
  private final ExpositionFormats formats = ExpositionFormats.init();

  private HttpService(
      HttpServer server, ThreadPoolExecutor pool, PrometheusRegistry r, StatusSource s) {
    this.server = server;
    this.pool = pool;
    this.registry = r;
    this.status = s;
  }

  /**
   * Starts serving at {@code listen} (not {@link MetricsListen#isOff()}).
   *
   * @throws IOException naming the address if it cannot be bound (in use, not local)
   */
  public static HttpService start(
      MetricsListen listen, PrometheusRegistry registry, StatusSource status) throws IOException {
    String timeout = Integer.toString(REQUEST_TIMEOUT_SECONDS);
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", timeout);
    }
    if (System.getProperty("sun.net.httpserver.maxRspTime") == null) {
      System.setProperty("sun.net.httpserver.maxRspTime", timeout);
    }
    HttpServer server;
    try {
      server = HttpServer.create(listen.socketAddress(), 16);
    } catch (IOException e) {
      throw new IOException(
          "cannot serve metrics at " + listen + " (metrics.listen): " + e.getMessage(), e);
    }
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            THREADS,
            THREADS,
            0,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(QUEUE),
            r -> {
              Thread t = new Thread(r, "lattice-http");
              t.setDaemon(true);
              return t;
            },
            (r, ex) -> LOG.warn("HTTP server busy: a request was dropped"));
    HttpService s = new HttpService(server, pool, registry, status);
    server.createContext("/", s::handle);
    server.setExecutor(pool);
    server.start();
    LOG.info("serving metrics and status at http://{}/", s.address());
    return s;
  }

  /** Where it listens (with the actual port when 0 was asked). */
  public String address() {
    InetSocketAddress a = server.getAddress();
    String host = a.getAddress().getHostAddress();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + a.getPort();
  }

  private void handle(HttpExchange ex) {
    try {
      String method = ex.getRequestMethod();
      boolean head = method.equals("HEAD");
      if (!head && !method.equals("GET")) {
        ex.getResponseHeaders().set("Allow", "GET, HEAD");
        send(ex, 405, "text/plain; charset=utf-8", "method not allowed\n".getBytes(), head);
        return;
      }
      String path = ex.getRequestURI().getPath();
      if (path.equals("/metrics")) {
        ExpositionFormatWriter w = formats.findWriter(ex.getRequestHeaders().getFirst("Accept"));
        if (!w.isAvailable()) {
          w = formats.getPrometheusTextFormatWriter();
        }
        ByteArrayOutputStream body = new ByteArrayOutputStream(16 * 1024);
        w.write(body, registry.scrape());
        send(ex, 200, w.getContentType(), body.toByteArray(), head);
      } else if (path.equals("/")) {
        byte[] page = StatusPage.render(status.status()).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Cache-Control", "no-store");
        send(ex, 200, "text/html; charset=utf-8", page, head);
      } else {
        send(
            ex,
            404,
            "text/plain; charset=utf-8",
            "not found: try / or /metrics\n".getBytes(),
            head);
      }
    } catch (IOException | RuntimeException e) {
      LOG.warn("HTTP request {} failed: {}", ex.getRequestURI(), e.toString());
      try {
        send(ex, 500, "text/plain; charset=utf-8", "internal error\n".getBytes(), false);
      } catch (IOException | RuntimeException alreadySent) {
        // The connection is gone or the headers went out: nothing more to say.
      }
    } finally {
      ex.close();
    }
  }

  private static void send(HttpExchange ex, int code, String type, byte[] body, boolean head)
      throws IOException {
    ex.getResponseHeaders().set("Content-Type", type);
    ex.getResponseHeaders().set("X-Content-Type-Options", "nosniff");
    ex.sendResponseHeaders(code, head ? -1 : body.length);
    if (!head) {
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    }
  }

  /** Stops accepting, lets requests in progress finish for up to a second, stops the threads. */
  @Override
  public void close() {
    server.stop(1);
    pool.shutdownNow();
  }
}
