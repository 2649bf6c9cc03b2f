package org.latticefs.node.http;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.latticefs.node.NodeApi;

/**
 * Renders the status page: one self-contained HTML document (inline CSS, no script, no external
 * resource) with the facts {@code lattice-fs status} prints. It reflows to one column on a phone
 * (no horizontal scrolling at 375 px: long ids and paths wrap). Every text from the node is
 * escaped.
 */
public final class StatusPage {
  private StatusPage() {}

  private static final String CSS =
      """
      :root{color-scheme:light dark;--ok:#2e7d32;--warn:#b26a00;--bad:#c62828;--bar:#1565c0}
      *{box-sizing:border-box}
      body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;
      padding:16px;max-width:960px;margin-inline:auto}
      h1{font-size:1.4em;margin:0 0 4px}h2{font-size:1.1em;margin:24px 0 8px}
      .sub{opacity:.75;margin:0 0 16px;overflow-wrap:anywhere}
      .card h2{margin-top:0}td.st{white-space:nowrap}
      .grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:12px}
      .card{border:1px solid #8884;border-radius:8px;padding:12px}
      dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px;margin:0}
      dt{opacity:.75}dd{margin:0;overflow-wrap:anywhere;min-width:0}
      .bar{height:14px;border-radius:7px;background:#8883;overflow:hidden;margin:6px 0}
      .bar>span{display:block;height:100%;background:var(--bar)}
      .bar.warn>span{background:var(--warn)}.bar.bad>span{background:var(--bad)}
      table{width:100%;border-collapse:collapse}th,td{text-align:left;padding:4px 6px;
      border-bottom:1px solid #8883;overflow-wrap:anywhere}
      .ok{color:var(--ok)}.bad{color:var(--bad)}th.n,td.n{text-align:right}
      th,td.n{white-space:nowrap;overflow-wrap:normal}
      small,.note{opacity:.75}.note{font-size:.9em;margin:6px 0 0}
      ul{margin:0;padding-left:20px}li{overflow-wrap:anywhere}
      footer{margin-top:24px;opacity:.7;font-size:.9em}
      """;

  /** The page for {@code s}. */
  public static String render(NodeApi.Status s) {
    NodeApi.Health h = s.health();
    StringBuilder b = new StringBuilder(8192);
    b.append("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">")
        .append("<title>Lattice — ")
        .append(esc(shortId(s.nodeId())))
        .append("</title><style>")
        .append(CSS)
        .append("</style></head><body>");
    b.append("<h1>Lattice node</h1><p class=\"sub\">")
        .append(esc(s.mountpoint() == null ? "not mounted" : "mounted at " + s.mountpoint()))
        .append("</p>");

    b.append("<div class=\"grid\"><section class=\"card\"><h2>Node</h2><dl>");
    row(b, "Node id", s.nodeId());
    row(b, "Version", h.version());
    row(b, "Up", uptime(s.startedAtMillis()) + " (since " + minutes(s.startedAtMillis()) + ")");
    row(b, "Mount", s.mountpoint() == null ? "—" : s.mountpoint());
    row(b, "Data", s.dataDir());
    row(b, "Pid", Long.toString(s.pid()));
    b.append("</dl></section>");

    b.append("<section class=\"card\"><h2>Space</h2>");
    usage(b, h);
    b.append("<dl>");
    row(b, "Blobs", s.blobCount() + " (" + human(s.blobBytes()) + ")");
    row(b, "Files, folders", h.files() < 0 ? "counting…" : h.files() + " (counted every 30 s)");
    row(b, "Quota", h.quotaBytes() > 0 ? human(h.quotaBytes()) : "none");
    row(b, "Free disk", h.freeDiskBytes() < 0 ? "unknown" : human(h.freeDiskBytes()));
    row(b, "Last GC", lastGc(h));
    b.append("</dl></section></div>");

    b.append("<section><h2>Stores</h2>");
    if (h.stores().isEmpty() && s.damaged().isEmpty()) {
      b.append("<p>No stores yet: make a folder at the top of the mount.</p>");
    } else {
      b.append("<table><thead><tr><th>Store</th><th>Mode</th><th class=\"n\">Files</th>")
          .append("<th class=\"n\">Size</th><th>State</th></tr></thead><tbody>");
      for (NodeApi.StoreHealth r : h.stores()) {
        boolean damaged = s.damaged().stream().anyMatch(d -> d.store().equals(r.name()));
        b.append("<tr><td>")
            .append(esc(r.name()))
            .append("<br><small>since ")
            .append(esc(minutes(r.createdAtMillis())))
            .append("</small></td><td>")
            .append(esc(r.mode()))
            .append("</td><td class=\"n\">")
            .append(esc(r.files() < 0 ? "counting…" : Long.toString(r.files())))
            .append("</td><td class=\"n\">")
            .append(esc(r.fileBytes() < 0 ? "counting…" : human(r.fileBytes())))
            .append("</td><td class=\"st ")
            .append(damaged ? "bad\">damaged" : "ok\">open")
            .append("</td></tr>");
      }
      b.append("</tbody></table><p class=\"note\">Files and size count each store's regular")
          .append(" files and their length before dedup, every 30 s.</p>");
    }
    b.append("</section>");

    b.append("<section><h2>Pins in progress</h2>");
    pins(b, h);
    b.append("</section>");

    List<String> problems = problems(s);
    b.append("<section><h2>Recent errors</h2>");
    if (problems.isEmpty()) {
      b.append(
          "<p class=\"ok\">None: no corrupt blob, rejected entry, damaged store or unsaved file.</p>");
    } else {
      b.append("<ul>");
      for (String p : problems) {
        b.append("<li class=\"bad\">").append(esc(p)).append("</li>");
      }
      b.append("</ul>");
    }
    b.append("</section>");

    b.append("<footer>Read-only. Prometheus metrics: <a href=\"/metrics\">/metrics</a>. ")
        .append("The same facts: <code>lattice-fs status</code> (or <code>--json</code>).")
        .append("</footer></body></html>\n");
    return b.toString();
  }

  /** Every problem worth a line, in the words {@code lattice-fs status} uses. */
  public static List<String> problems(NodeApi.Status s) {
    NodeApi.Health h = s.health();
    List<String> out = new ArrayList<>();
    if (h.quarantinedBlobs() > 0) {
      out.add(h.quarantinedBlobs() + " corrupt blob(s) in quarantine, not repaired");
    }
    if (h.rejectedEntries() > 0) {
      out.add(h.rejectedEntries() + " log entr(ies) from peers rejected since start");
    }
    if (h.gcFailures() > 0) {
      out.add(
          h.gcFailures() + " of " + h.gcRuns() + " garbage collection pass(es) failed since start");
    }
    if (h.equivocations() > 0) {
      out.add(h.equivocations() + " equivocation(s) detected: those authors are refused");
    }
    for (NodeApi.DamagedRow d : s.damaged()) {
      out.add("store " + d.store() + ": " + d.describe());
    }
    for (NodeApi.UnsavedRow u : s.unsaved()) {
      out.add(u.describe());
    }
    return out;
  }

  private static void pins(StringBuilder b, NodeApi.Health h) {
    if (h.pinsInProgress() == 0) {
      b.append("<p class=\"ok\">")
          .append(
              esc(
                  h.pinsTotal() == 0
                      ? "None: this node has no pins."
                      : "None: all " + h.pinsTotal() + " pin(s) are whole here."))
          .append("</p>");
      return;
    }
    b.append("<ul>");
    for (NodeApi.PinRow p : h.pins()) {
      b.append("<li>").append(esc(pinLine(p))).append("</li>");
    }
    b.append("</ul><p class=\"note\">")
        .append(esc(h.pinsInProgress() + " of " + h.pinsTotal() + " pin(s) in progress"))
        .append(
            h.pinsInProgress() > h.pins().size()
                ? esc(", the first " + h.pins().size() + " shown (lattice-fs pin ls lists all)")
                : "")
        .append(".</p>");
  }

  /**
   * One pin in progress as a line: {@code inode/…/… (store docs): pending, walking: 12 blobs (3.0
   * MiB) so far, 2 missing (why)}.
   */
  public static String pinLine(NodeApi.PinRow p) {
    StringBuilder l = new StringBuilder(p.target());
    if (p.store() != null) {
      l.append(" (store ").append(p.store()).append(')');
    }
    l.append(": ").append(p.state()).append(", ").append(p.phase());
    if (p.blobs() >= 0) {
      l.append(": ")
          .append(p.blobs())
          .append(" blob(s) (")
          .append(human(Math.max(0, p.bytes())))
          .append(p.phase().equals("walking") ? ") so far" : ")");
    }
    if (p.missing() > 0) {
      l.append(", ").append(p.missing()).append(" missing");
    }
    if (p.problem() != null) {
      l.append(" (").append(p.problem()).append(')');
    }
    return l.toString();
  }

  private static void usage(StringBuilder b, NodeApi.Health h) {
    long limit;
    String of;
    if (h.quotaBytes() > 0) {
      limit = h.quotaBytes();
      of = "of the quota";
    } else if (h.freeDiskBytes() >= 0) {
      limit = h.usedBytes() + h.freeDiskBytes();
      of = "of what the disk allows";
    } else {
      return;
    }
    double f = limit <= 0 ? 1 : Math.min(1, (double) h.usedBytes() / limit);
    String cls = f >= 0.95 ? "bar bad" : f >= 0.8 ? "bar warn" : "bar";
    String pct = String.format(Locale.ROOT, "%.1f%%", f * 100);
    b.append("<div class=\"")
        .append(cls)
        .append("\" role=\"img\" aria-label=\"")
        .append(pct)
        .append(" used\"><span style=\"width:")
        .append(pct)
        .append("\"></span></div><p>")
        .append(esc(human(h.usedBytes()) + " used, " + pct + " " + of + " (" + human(limit) + ")"))
        .append("</p>");
  }

  private static void row(StringBuilder b, String k, String v) {
    b.append("<dt>").append(esc(k)).append("</dt><dd>").append(esc(v)).append("</dd>");
  }

  static String uptime(long startedAtMillis) {
    Duration d = Duration.ofMillis(Math.max(0, System.currentTimeMillis() - startedAtMillis));
    if (d.toDays() > 0) {
      return d.toDays() + " d " + d.toHoursPart() + " h";
    }
    if (d.toHours() > 0) {
      return d.toHours() + " h " + d.toMinutesPart() + " min";
    }
    return d.toMinutes() + " min " + d.toSecondsPart() + " s";
  }

  /** The last good garbage collection, or that none ran yet. */
  public static String lastGc(NodeApi.Health h) {
    return h.gcLastSuccessMillis() < 0
        ? "none yet (" + h.gcRuns() + " run)"
        : minutes(h.gcLastSuccessMillis()) + " (" + h.gcRuns() + " run since start)";
  }

  /** {@code 2026-12-05 03:10 UTC}. */
  static String minutes(long epochMillis) {
    return java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'", Locale.ROOT)
        .withZone(java.time.ZoneOffset.UTC)
        .format(Instant.ofEpochMilli(epochMillis));
  }

  private static String shortId(String id) {
    return id == null ? "" : id.length() > 16 ? id.substring(0, 16) + "…" : id;
  }

  /** {@code 1.5 GiB}; exact bytes below 1 KiB. */
  public static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB", "PiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }

  /** HTML-escapes text (element content and attribute values). */
  static String esc(String s) {
    if (s == null) {
      return "";
    }
    StringBuilder b = new StringBuilder(s.length() + 16);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '<' -> b.append("&lt;");
        case '>' -> b.append("&gt;");
        case '&' -> b.append("&amp;");
        case '"' -> b.append("&quot;");
        case '\'' -> b.append("&#39;");
        default -> b.append(c);
      }
    }
    return b.toString();
  }
}
