package org.latticefs.node.cli;

import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code lattice-fs id}: prints this node's id. */
@Command(name = "id", description = "Print this node's id (its public key).")
final class IdCommand extends Base {
  @Mixin JsonOption json;

  @Override
  int run() throws Exception {
    String id = node().nodeId();
    if (json.json) {
      printJson(Map.of("node_id", id));
    } else {
      out().println(id);
    }
    return LatticeCommand.OK;
  }
}
