package org.latticefs.node.cli;

import java.util.List;
import java.util.Map;
import org.latticefs.node.NodeApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code lattice-fs fsck [--repair]}: re-hash every blob, quarantine and report bad ones. */
@Command(
    name = "fsck",
    description = {
      "Re-read and re-hash every blob: corrupt ones are quarantined (kept in cas/quarantine, never"
          + " served), and the files whose content reaches them are listed. Exit 1 if any is bad.",
      "The daemon also scrubs in the background every fsck.interval (rate-limited); status shows"
          + " its progress and last findings."
    })
final class FsckCommand extends Base {
  @Mixin JsonOption json;

  @Option(
      names = "--repair",
      description = "Fetch a good copy of each bad blob through the fetch seam (from peers).")
  boolean repair;

  @Override
  int run() throws Exception {
    NodeApi node = node();
    NodeApi.GcJob job = GcProgress.await(node.startFsck(repair), node::fsckJob, !json.json, cli());
    if (!job.state().equals("done")) {
      cli().err().println("fsck failed: " + job.error());
      return LatticeCommand.FAILURE;
    }
    Map<String, Object> r = job.result();
    if (json.json) {
      printJson(r);
    } else {
      out()
          .println(
              "checked   "
                  + GcCommand.num(r, "checked_blobs")
                  + " blobs ("
                  + StatusCommand.human(GcCommand.num(r, "checked_bytes"))
                  + ")");
      out().println("bad       " + GcCommand.num(r, "bad_blobs"));
      for (Object b : (List<?>) r.get("bad")) {
        out().println("  " + b);
      }
      if (repair) {
        out().println("repaired  " + GcCommand.num(r, "repaired"));
      }
      out().println("lost data " + GcCommand.num(r, "lost_files") + " files");
      for (Object f : (List<?>) r.get("lost")) {
        out().println("  " + f);
      }
    }
    return GcCommand.num(r, "bad_blobs") == 0 ? LatticeCommand.OK : LatticeCommand.FAILURE;
  }
}
