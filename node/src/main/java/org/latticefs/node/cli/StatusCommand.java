package org.latticefs.node.cli;

import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.node.Daemon;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.control.ControlClient;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lattice-fs status}: whether a daemon runs for the data directory, and what it serves. */
@Command(
    name = "status",
    description =
        "Show the running daemon: pid, node id, version, mount point, blobs, files, space against"
            + " the quota, free disk, metrics address, stores; stores refused as damaged"
            + " ('damaged <file>: <reason>') and content whose last commit failed ('unsaved …')."
            + " Exit 3 if none runs.")
final class StatusCommand extends Base {
  @Mixin JsonOption json;

  @Override
  int run() throws Exception {
    DataDir dir = dataDir();
    Optional<ControlClient> daemon = ControlClient.connect(dir);
    if (daemon.isEmpty()) {
      Properties last = dir.exists() ? Daemon.readDaemonInfo(dir) : null;
      String stale = last == null ? null : last.getProperty("mountpoint");
      boolean dead = stale != null && Mounts.isDeadFuseMount(Path.of(stale));
      if (json.json) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("running", false);
        m.put("data_dir", dir.root().toString());
        m.put("stale_mount", dead ? stale : null);
        printJson(m);
      } else {
        out().println("not running (data directory " + dir.root() + ")");
        if (dead) {
          out()
              .println(
                  "a crashed daemon left a dead mount at "
                      + stale
                      + "; the next mount (or 'lattice-fs unmount "
                      + stale
                      + "') cleans it up");
        }
      }
      return LatticeCommand.NOT_RUNNING;
    }
    NodeApi.Status s;
    try (ControlClient c = daemon.get()) {
      s = c.status();
    }
    if (json.json) {
      printJson(Wire.status(s));
    } else {
      out().println("running   pid " + s.pid());
      out().println("node      " + s.nodeId());
      out().println("data      " + s.dataDir());
      out().println("mount     " + s.mountpoint());
      out().println("since     " + Instant.ofEpochMilli(s.startedAtMillis()));
      NodeApi.Health h = s.health();
      out().println("version   " + h.version());
      out().println("blobs     " + s.blobCount() + " (" + human(s.blobBytes()) + ")");
      out().println("files     " + (h.files() < 0 ? "counting" : Long.toString(h.files())));
      out()
          .println(
              "used      "
                  + human(h.usedBytes())
                  + (h.quotaBytes() > 0 ? " of quota " + human(h.quotaBytes()) : " (no quota)"));
      out().println("free disk " + (h.freeDiskBytes() < 0 ? "unknown" : human(h.freeDiskBytes())));
      out().println("last gc   " + org.latticefs.node.http.StatusPage.lastGc(h));
      out()
          .println(
              "metrics   "
                  + (h.metrics() == null
                      ? "off"
                      : h.metrics().startsWith("not served")
                          ? h.metrics()
                          : "http://" + h.metrics() + "/"));
      if (h.stores().isEmpty()) {
        out().println("stores    (none)");
      }
      for (NodeApi.StoreHealth r : h.stores()) {
        out()
            .println(
                "store     "
                    + r.name()
                    + ": "
                    + r.mode()
                    + ", "
                    + (r.files() < 0
                        ? "counting files"
                        : r.files() + " files (" + human(r.fileBytes()) + ")"));
      }
      out()
          .println(
              "pins      "
                  + h.pinsTotal()
                  + (h.pinsInProgress() == 0
                      ? (h.pinsTotal() == 0 ? "" : ", all whole here")
                      : ", " + h.pinsInProgress() + " in progress"));
      for (NodeApi.PinRow p : h.pins()) {
        out().println("  pin     " + org.latticefs.node.http.StatusPage.pinLine(p));
      }
      for (String p : org.latticefs.node.http.StatusPage.problems(s)) {
        out().println(p);
      }
      if (s.scrub() != null) {
        Map<String, Object> sc = s.scrub();
        String line =
            Boolean.TRUE.equals(sc.get("running"))
                ? "running, "
                    + human(GcCommand.num(sc, "done_bytes"))
                    + " of "
                    + human(GcCommand.num(sc, "total_bytes"))
                : "last "
                    + (sc.get("last_started_at") == null ? "never" : sc.get("last_started_at"))
                    + ", next "
                    + sc.get("next_due_at");
        out().println("scrub     " + line);
        if (sc.get("last_report") instanceof Map<?, ?> rep) {
          out()
              .println(
                  "          "
                      + rep.get("bad_blobs")
                      + " bad blobs, "
                      + rep.get("lost_files")
                      + " files lost data");
        }
      }
    }
    return LatticeCommand.OK;
  }

  static String human(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = bytes;
    int u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return u == 0 ? bytes + " B" : String.format(java.util.Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
