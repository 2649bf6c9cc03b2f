package org.latticefs.node.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.File;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.latticefs.node.e2e.Launcher.Run;

/**
 * The metrics and the status page of a mounted daemon, checked by their real consumers: a real
 * Prometheus scraping it while files are written (then asked through its HTTP API), deploy/'s rules
 * and dashboard against a live scrape, and headless Chromium rendering the status page (text,
 * screenshots under {@code node/target/}, no horizontal scrolling at 375 px).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MetricsE2E {
  /** The files written, and their sizes: what Prometheus must see. */
  static final int[] SIZES = {1 << 20, 300_000, 5, 70_000, 2 << 20};

  private final HttpClient http = HttpClient.newHttpClient();
  private Path tmp;
  private E2eNode node;
  private String address;

  @BeforeAll
  void mount() throws Exception {
    MountE2E.requireFuse();
    tmp = Files.createTempDirectory("lattice-metrics-e2e");
    node = new E2eNode(tmp.resolve("home"), tmp.resolve("mnt"));
    Files.createDirectories(node.home);
    // Any free port: tests run beside other daemons.
    Files.writeString(node.home.resolve("config.properties"), "metrics.listen=127.0.0.1:0\n");
    node.mount();
    Run s = node.lattice("status", "--json");
    assertEquals(0, s.code(), s.err());
    Matcher m = Pattern.compile("\"metrics\"\\s*:\\s*\"([0-9.]+:[0-9]+)\"").matcher(s.out());
    assertTrue(m.find(), "status --json names the metrics address: " + s.out());
    address = m.group(1);
  }

  @AfterAll
  void unmount() throws Exception {
    if (node != null) {
      try {
        node.unmount();
      } finally {
        node.cleanUp();
        MountE2E.sh("rm -rf '" + tmp + "'");
      }
    }
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url + ": " + r.body());
    return r.body();
  }

  private void write(String dir, int i) throws Exception {
    Run w =
        MountE2E.sh(
            "head -c " + SIZES[i] + " /dev/urandom > '" + node.mnt + "/" + dir + "/f" + i + "'");
    assertEquals(0, w.code(), w.err());
  }

  /** The one value of an instant query, or null while it has none. */
  private Double query(int port, String promql) throws Exception {
    String body =
        get(
            "http://127.0.0.1:"
                + port
                + "/api/v1/query?query="
                + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    Matcher m = Pattern.compile("\"value\":\\[[0-9.]+,\"([^\"]+)\"\\]").matcher(body);
    return m.find() ? Double.parseDouble(m.group(1)) : null;
  }

  @Test
  void prometheusScrapesWhatWasWritten() throws Exception {
    Path prometheus = Tools.require("prometheus", "prometheus");
    int port = Tools.freePort();
    Path dir = tmp.resolve("prometheus");
    Files.createDirectories(dir.resolve("data"));
    Files.writeString(
        dir.resolve("prometheus.yml"),
        "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
            + "scrape_configs:\n  - job_name: lattice\n    static_configs:\n"
            + "      - targets: [\""
            + address
            + "\"]\n");
    Process p =
        new ProcessBuilder(
                prometheus.toString(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("prometheus.log").toFile())
            .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
            .start();
    try {
      awaitReady(port, p, dir);
      // Prometheus applies new targets a few seconds after it is ready: wait for a first scrape.
      Double up = null;
      for (int i = 0; i < 120 && up == null; i++) {
        up = query(port, "up{job=\"lattice\"}");
        Thread.sleep(250);
      }
      assertEquals(1.0, up, "Prometheus scraped the node");
      assertEquals(0, MountE2E.sh("mkdir '" + node.mnt + "/metered'").code());
      long total = 0;
      for (int i = 0; i < SIZES.length; i++) {
        write("metered", i);
        total += SIZES[i];
        Thread.sleep(1200); // Let scrapes land between the writes.
      }
      String written = "lattice_fuse_written_bytes_total{job=\"lattice\"}";
      String creates =
          "sum(lattice_fuse_request_duration_seconds_count{job=\"lattice\",op=\"create\","
              + "result=\"ok\"})";
      Double bytes = null;
      Double files = null;
      for (int i = 0; i < 120; i++) {
        bytes = query(port, written);
        files = query(port, creates);
        if (bytes != null && bytes == total && files != null && files == SIZES.length) {
          break;
        }
        Thread.sleep(500);
      }
      assertEquals(
          (double) total, bytes, "bytes written through the mount, as Prometheus saw them");
      assertEquals((double) SIZES.length, files, "files created, as Prometheus saw them");
      Double seen = query(port, "changes(" + written + "[5m])");
      assertTrue(seen != null && seen >= 2, "scraped while the files were written: " + seen);
      Double appended = query(port, "lattice_log_entries_appended_total{job=\"lattice\"}");
      assertTrue(appended != null && appended >= 1 + SIZES.length, "log entries: " + appended);
      Double received = query(port, "lattice_cas_ingest_bytes_total{job=\"lattice\"}");
      assertTrue(received != null && received >= total, "blob bytes received: " + received);
      assertEquals(1.0, query(port, "up{job=\"lattice\"}"));
    } finally {
      p.destroy();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly().waitFor();
      }
    }
  }

  private void awaitReady(int port, Process p, Path dir) throws Exception {
    for (int i = 0; i < 120; i++) {
      if (!p.isAlive()) {
        fail("prometheus exited: " + Files.readString(dir.resolve("prometheus.log")));
      }
      try {
        HttpResponse<String> r =
            http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/-/ready")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return;
        }
      } catch (java.io.IOException notYet) {
        // Still starting.
      }
      Thread.sleep(250);
    }
    fail("prometheus not ready: " + Files.readString(dir.resolve("prometheus.log")));
  }

  @Test
  void everyMetricTheRulesAndTheDashboardNameIsInALiveScrape() throws Exception {
    String scrape = get("http://" + address + "/metrics");
    Set<String> exported = new TreeSet<>();
    for (String line : scrape.split("\n")) {
      if (!line.startsWith("#") && !line.isBlank()) {
        exported.add(line.split("[{ ]", 2)[0]);
      }
    }
    Set<String> named = new TreeSet<>();
    Pattern metric = Pattern.compile("\\b((?:lattice|jvm|process)_[a-z_]+)");
    for (String f :
        List.of("deploy/prometheus/lattice-rules.yml", "deploy/grafana/lattice-dashboard.json")) {
      Matcher m = metric.matcher(Files.readString(Tools.repo().resolve(f)));
      while (m.find()) {
        named.add(m.group(1));
      }
    }
    assertTrue(named.size() > 20, "names found: " + named);
    List<String> missing = new ArrayList<>();
    for (String n : named) {
      if (!exported.contains(n)) {
        missing.add(n);
      }
    }
    assertEquals(List.of(), missing, "named in deploy/ but not exported; exported: " + exported);
  }

  @Test
  void chromiumRendersTheStatusPageOnADesktopAndAPhone() throws Exception {
    Path chromium = Tools.require("chromium", "chromium");
    assertEquals(0, MountE2E.sh("mkdir -p '" + node.mnt + "/photos'").code());
    assertEquals(0, MountE2E.sh("head -c 3000 /dev/urandom > '" + node.mnt + "/photos/p1'").code());
    assertEquals(0, MountE2E.sh("printf 12345 > '" + node.mnt + "/photos/p2'").code());
    // A pin of a manifest no one has stays pending: a pin in progress for the page to show.
    String nowhere = "ab".repeat(32);
    Run pin = node.lattice("pin", "add", nowhere);
    assertTrue(pin.out().startsWith("pending"), "pinned, not here (exit 1): " + pin.out());
    // The census counts each store's files every 30 s: wait for the one that sees both.
    String counted = "<td>full</td><td class=\"n\">2</td><td class=\"n\">2.9 KiB</td>";
    for (int i = 0; i < 100 && !get("http://" + address + "/").contains(counted); i++) {
      Thread.sleep(500);
    }
    Run status = node.lattice("status");
    assertTrue(status.out().contains("store     photos: full, 2 files (2.9 KiB)"), status.out());
    assertTrue(
        status.out().contains("  pin     " + nowhere + ": pending, incomplete"), status.out());
    Run json = node.lattice("status", "--json");
    assertTrue(
        json.out()
            .replaceAll("\\s", "")
            .matches(
                "(?s).*\"name\":\"photos\",\"created_at\":[0-9]+,\"mode\":\"full\","
                    + "\"inodes\":3,\"files\":2,\"file_bytes\":3005.*"),
        json.out());
    assertTrue(
        json.out().replaceAll("\\s", "").contains("\"target\":\"" + nowhere + "\""), json.out());
    String nodeId = node.lattice("id").out().trim();
    Path target = Tools.repo().resolve("node/target");
    Path profile = Files.createTempDirectory(tmp, "chromium");
    String url = "http://" + address + "/";

    Run dom = chromium(chromium, profile, "1280,900", "--dump-dom", url);
    assertTrue(dom.out().contains(nodeId), "node id on the page:\n" + dom.out());
    for (String text :
        List.of(
            "Lattice node",
            "photos",
            counted,
            "Pins in progress",
            nowhere + ": pending, incomplete",
            "Space",
            "Recent errors",
            "/metrics")) {
      assertTrue(dom.out().contains(text), text + " on the page:\n" + dom.out());
    }
    assertFalse(dom.out().contains("<script"), "no script on the page");

    // Chromium's window is at least 500 px wide: a phone's 375 px is an iframe of that width in a
    // frame page. The framed copy of the page reports its layout width to the frame page, which
    // records it in its DOM: no horizontal scrolling means it fits in 375 px.
    String html = get(url);
    Path probe = tmp.resolve("probe.html");
    Files.writeString(
        probe,
        html.replace(
            "</body>",
            "<script>parent.postMessage(String(document.documentElement.scrollWidth),'*')"
                + "</script></body>"));
    Path frame = tmp.resolve("phone.html");
    Files.writeString(
        frame,
        "<!doctype html><html><body style=\"margin:0;background:#ccc\">"
            + "<iframe src=\"probe.html\" style=\"width:375px;height:1200px;border:0;"
            + "background:#fff\"></iframe><script>addEventListener('message',e=>"
            + "document.body.setAttribute('data-scroll-width',e.data))</script></body></html>");
    Run measured =
        chromium(
            chromium,
            profile,
            "500,1200",
            "--allow-file-access-from-files",
            "--dump-dom",
            frame.toUri().toString());
    Matcher w = Pattern.compile("data-scroll-width=\"([0-9]+)\"").matcher(measured.out());
    assertTrue(w.find(), measured.out());
    assertTrue(Integer.parseInt(w.group(1)) <= 375, "page width at 375 px: " + w.group(1));

    Path desktop = target.resolve("status-page-desktop.png");
    Path phone = target.resolve("status-page-375.png");
    Files.deleteIfExists(desktop);
    Files.deleteIfExists(phone);
    chromium(chromium, profile, "1280,900", "--screenshot=" + desktop, url);
    chromium(
        chromium,
        profile,
        "500,1200",
        "--allow-file-access-from-files",
        "--screenshot=" + phone,
        frame.toUri().toString());
    assertTrue(Files.size(desktop) > 10_000, "desktop screenshot");
    assertTrue(Files.size(phone) > 5_000, "phone screenshot");
  }

  private Run chromium(Path chromium, Path profile, String size, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                chromium.toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--hide-scrollbars",
                "--user-data-dir=" + profile,
                "--window-size=" + size,
                "--virtual-time-budget=3000"));
    cmd.addAll(List.of(args));
    Run r = MountE2E.exec(cmd, Map.of());
    assertEquals(0, r.code(), String.join(" ", cmd) + "\n" + r.err());
    return r;
  }
}
