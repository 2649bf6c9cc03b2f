package org.latticefs.node.cli;

import java.nio.file.Path;
import org.latticefs.node.NodeApi.ChunkRow;
import org.latticefs.node.NodeApi.FileStat;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs stat PATH}: Lattice's view of a path in the mount. Needs the daemon. */
@Command(
    name = "stat",
    description = {
      "Show how Lattice stores PATH (inside the mount): store, inode, manifest and chunks.",
      "Needs the running daemon (exit 3 if none)."
    })
final class StatCommand extends Base {
  @Mixin JsonOption json;

  @Parameters(paramLabel = "PATH")
  Path path;

  @Override
  int run() throws Exception {
    FileStat f = cli().daemon(dataDir()).stat(path.toAbsolutePath().normalize().toString());
    if (json.json) {
      printJson(Wire.fileStat(f));
      return LatticeCommand.OK;
    }
    out().println("path      " + f.path());
    out().println("store     " + f.store());
    out().println("inode     " + f.inode());
    out().println("type      " + f.type());
    out().println("size      " + f.size());
    out().println("manifest  " + (f.manifest() == null ? "-" : f.manifest()));
    out().println("chunks    " + f.chunks().size());
    for (ChunkRow c : f.chunks()) {
      out().println("  " + c.offset() + " " + c.length() + " " + c.ref());
    }
    return LatticeCommand.OK;
  }
}
