package org.latticefs.node.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.latticefs.node.format.DataDirFormat;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lattice-fs init}: creates the data directory and identity if missing; idempotent. */
@Command(
    name = "init",
    description = {
      "Create the data directory and this node's identity if missing, and print the node id.",
      "Running it again changes nothing."
    })
final class InitCommand extends Base {
  @Mixin JsonOption json;

  @Override
  int run() throws Exception {
    boolean existed = dataDir().exists();
    DataDirFormat.prepare(dataDir());
    String id = node().nodeId();
    if (json.json) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("node_id", id);
      m.put("data_dir", dataDir().root().toString());
      m.put("created", !existed);
      printJson(m);
    } else {
      out().println(id);
      cli()
          .err()
          .println(
              (existed ? "lattice-fs: data directory " : "lattice-fs: created data directory ")
                  + dataDir().root());
    }
    return LatticeCommand.OK;
  }
}
