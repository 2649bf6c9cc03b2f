package org.latticefs.node.cli;

import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs whereis PATH|HASH}: which nodes keep a file, and how much of it is here. */
@Command(
    name = "whereis",
    description = {
      "Show which nodes keep PATH (a file inside the mount; needs the daemon) or a manifest HASH:"
          + " nodes that keep its whole store, nodes that pinned it, and how much of it is here.",
    })
final class WhereisCommand extends Base {
  @Mixin JsonOption json;

  @Parameters(paramLabel = "PATH|HASH")
  String target;

  @Override
  int run() throws Exception {
    Map<String, Object> w = node().whereis(PinCommand.target(target));
    if (json.json) {
      printJson(w);
      return LatticeCommand.OK;
    }
    out().println("manifest  " + (w.get("manifest") == null ? "- (no chunks)" : w.get("manifest")));
    if (w.get("mode_here") != null) {
      out().println("mode here " + w.get("mode_here"));
    }
    if (w.get("here") instanceof Map<?, ?> h) {
      out()
          .println(
              "here      "
                  + h.get("present")
                  + " of "
                  + h.get("blobs")
                  + " blobs ("
                  + StatusCommand.human(((Number) h.get("present_bytes")).longValue())
                  + ")"
                  + (Boolean.TRUE.equals(h.get("complete")) ? ", complete" : ", partial"));
    }
    List<?> nodes = (List<?>) w.get("nodes");
    if (nodes.isEmpty()) {
      out().println("no node says it keeps it");
    }
    for (Object o : nodes) {
      Map<?, ?> n = (Map<?, ?>) o;
      out().println(n.get("node") + "  " + n.get("how"));
    }
    return LatticeCommand.OK;
  }
}
