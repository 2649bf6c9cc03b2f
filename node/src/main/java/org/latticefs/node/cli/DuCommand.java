package org.latticefs.node.cli;

import java.util.List;
import java.util.Map;
import org.latticefs.node.NodeApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lattice-fs du}: what the data directory's space holds, by class. */
@Command(
    name = "du",
    description = {
      "Show the blob store's space by class: referenced, garbage (the next gc frees it), saved"
          + " outboards, quarantined, staging, against the quota and the disk. The total is what"
          + " 'du -sb' shows for the data directory's cas/ folder. Takes a dry-run pass."
    })
final class DuCommand extends Base {
  @Mixin JsonOption json;

  @Override
  int run() throws Exception {
    NodeApi node = node();
    NodeApi.GcJob job = GcProgress.await(node, "du", !json.json, cli());
    if (!job.state().equals("done")) {
      cli().err().println("du failed: " + job.error());
      return LatticeCommand.FAILURE;
    }
    Map<String, Object> r = job.result();
    if (json.json) {
      printJson(r);
      return LatticeCommand.OK;
    }
    row("pinned", r, "pinned_bytes", "(pins come with issue 12 part 2)");
    row("referenced", r, "referenced_bytes", "file versions the stores reference");
    row("cache", r, "cache_bytes", "(on-demand stores come with issue 12 part 2)");
    row(
        "garbage",
        r,
        "garbage_bytes",
        GcCommand.num(r, "garbage_blobs") + " blobs: lattice-fs gc frees them");
    row("outboards", r, "outboard_bytes", "saved for range reads");
    row("quarantined", r, "quarantined_bytes", "corrupt copies kept aside");
    row("other", r, "other_bytes", "directories and bookkeeping files");
    row("total", r, "total_bytes", "cas/ as du -sb counts it");
    row("staging", r, "staging_bytes", "written, not yet committed (outside cas/)");
    long quota = GcCommand.num(r, "quota_bytes");
    out()
        .println(
            String.format(
                "%-12s %12s  %s",
                "quota",
                quota == 0 ? "none" : StatusCommand.human(quota),
                quota == 0
                    ? ""
                    : StatusCommand.human(GcCommand.num(r, "used_bytes")) + " counted against it"));
    out()
        .println(
            String.format(
                "%-12s %12s  of %s",
                "disk free",
                StatusCommand.human(GcCommand.num(r, "disk_free_bytes")),
                StatusCommand.human(GcCommand.num(r, "disk_total_bytes"))));
    if (!Boolean.TRUE.equals(r.get("complete"))) {
      out().println("incomplete: some manifests could not be read; garbage is not known exactly:");
      for (Object p : (List<?>) r.get("problems")) {
        out().println("  " + p);
      }
    }
    return LatticeCommand.OK;
  }

  private void row(String name, Map<String, Object> r, String key, String note) {
    out()
        .println(
            String.format(
                "%-12s %12s  %s", name, StatusCommand.human(GcCommand.num(r, key)), note));
  }
}
