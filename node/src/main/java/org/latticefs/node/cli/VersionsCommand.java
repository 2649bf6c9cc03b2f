package org.latticefs.node.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs versions PATH}: the versions of a file and which are still kept. */
@Command(
    name = "versions",
    description = {
      "List every version PATH (a file inside the mount, possibly deleted) has had, oldest first:"
          + " when, by which node, its size and manifest, and whether it is still kept.",
      "Replaced and deleted versions are kept for gc.keep_deleted (default 0: not at all); a kept"
          + " version can be read back with its manifest hash. Needs the daemon."
    })
final class VersionsCommand extends Base {
  @Mixin JsonOption json;

  @Parameters(paramLabel = "PATH")
  Path path;

  @Override
  int run() throws Exception {
    List<Map<String, Object>> versions =
        cli().daemon(dataDir()).versions(path.toAbsolutePath().normalize().toString());
    if (json.json) {
      printJson(versions);
      return LatticeCommand.OK;
    }
    if (versions.isEmpty()) {
      out().println("no versions: nothing was ever written under that name");
    }
    for (Map<String, Object> v : versions) {
      out()
          .println(
              String.format(
                  "%s  %-9s %10s  %s  %s",
                  v.get("written_at"),
                  v.get("kind"),
                  "deleted".equals(v.get("kind"))
                      ? ""
                      : StatusCommand.human(GcCommand.num(v, "size")),
                  v.get("manifest") == null ? "-" : v.get("manifest"),
                  "deleted".equals(v.get("kind"))
                      ? ""
                      : Boolean.TRUE.equals(v.get("kept"))
                          ? (v.get("superseded_at") == null ? "current" : "kept")
                          : "gone"));
    }
    return LatticeCommand.OK;
  }
}
