package org.latticefs.node.cli;

import java.util.List;
import java.util.Map;
import org.latticefs.node.NodeApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lattice-fs gc}: one garbage collection pass, or what it would remove. */
@Command(
    name = "gc",
    description = {
      "Remove the blobs nothing references any more (old versions of overwritten files, deleted"
          + " files, their manifests and outboards). Blobs an open file or a write in progress"
          + " holds are kept; if a file's manifest cannot be read, nothing is removed.",
      "Through the daemon when one runs (it also collects every gc.interval and when space runs"
          + " short), else on the data directory."
    })
final class GcCommand extends Base {
  @Mixin JsonOption json;

  @Option(
      names = "--dry-run",
      description = "List what a pass would remove, and why, removing nothing.")
  boolean dryRun;

  @Override
  int run() throws Exception {
    NodeApi node = node();
    NodeApi.GcJob job = GcProgress.await(node, dryRun ? "dry-run" : "gc", !json.json, cli());
    if (!job.state().equals("done")) {
      cli().err().println("gc failed: " + job.error());
      return LatticeCommand.FAILURE;
    }
    Map<String, Object> r = job.result();
    if (json.json) {
      printJson(r);
      return LatticeCommand.OK;
    }
    boolean dry = Boolean.TRUE.equals(r.get("dry_run"));
    if (dry) {
      for (Object o : (List<?>) r.get("garbage")) {
        Map<?, ?> g = (Map<?, ?>) o;
        out().println(g.get("ref") + "  " + g.get("size") + "  " + g.get("why"));
      }
      long listed = ((List<?>) r.get("garbage")).size();
      long total = num(r, "garbage_blobs");
      if (total > listed) {
        out()
            .println(
                "… and " + (total - listed) + " more (--json lists the same first " + listed + ")");
      }
    }
    if (!Boolean.TRUE.equals(r.get("swept"))) {
      out().println("nothing was removed: some manifests could not be read, so it is unknown");
      out().println("which chunks they need:");
      for (Object p : (List<?>) r.get("problems")) {
        out().println("  " + p);
      }
      return LatticeCommand.FAILURE;
    }
    long garbage = num(r, "garbage_bytes");
    out()
        .println(
            (dry ? "would free  " : "freed       ")
                + StatusCommand.human(dry ? garbage : num(r, "removed_bytes"))
                + " in "
                + (dry ? num(r, "garbage_blobs") : num(r, "removed_blobs"))
                + " blobs");
    out()
        .println(
            "live        "
                + StatusCommand.human(num(r, "live_bytes"))
                + " in "
                + (num(r, "examined_blobs") - num(r, "garbage_blobs"))
                + " blobs ("
                + num(r, "roots")
                + " file versions, "
                + num(r, "open_file_trees")
                + " open files)");
    if (num(r, "kept_by_holds") > 0) {
      out().println("kept        " + num(r, "kept_by_holds") + " blobs a write in progress holds");
    }
    if (num(r, "quarantined") > 0) {
      out()
          .println(
              "quarantined "
                  + num(r, "quarantined")
                  + " corrupt blobs (kept in cas/quarantine, never removed)");
    }
    out()
        .println(
            "time        " + String.format(java.util.Locale.ROOT, "%.2f s", dbl(r, "seconds")));
    return LatticeCommand.OK;
  }

  static long num(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v instanceof Number n ? n.longValue() : 0;
  }

  static double dbl(Map<String, Object> m, String k) {
    Object v = m.get(k);
    return v instanceof Number n ? n.doubleValue() : 0;
  }
}
