package org.latticefs.node.cli;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.latticefs.node.NodeApi;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs pin add|rm|ls}: what this node keeps here, whatever the cache does. */
@Command(
    name = "pin",
    description = {
      "Keep files, folders or manifests on this node: their blobs are fetched if missing, never"
          + " evicted, never collected while pinned.",
      "A path pin (a file or folder inside the mount) follows renames and covers content added"
          + " later; a HASH pin keeps that manifest as it is. Paths need the daemon."
    },
    subcommands = {PinCommand.Add.class, PinCommand.Rm.class, PinCommand.Ls.class})
final class PinCommand extends Base {
  @Override
  int run() {
    spec.commandLine().usage(cli().err());
    return LatticeCommand.USAGE;
  }

  /**
   * A path made absolute here (the daemon's working directory is not the caller's); a hash kept.
   */
  static String target(String arg) {
    if (arg.matches("[0-9a-fA-F]{64}") || arg.startsWith("inode/")) {
      return arg;
    }
    return Path.of(arg).toAbsolutePath().normalize().toString();
  }

  static String line(Map<String, Object> p) {
    String what =
        "inode".equals(p.get("kind"))
            ? p.get("store") + ":" + p.get("inode") + " (" + p.get("target") + ")"
            : String.valueOf(p.get("target"));
    long bytes = GcCommand.num(p, "bytes");
    String size = bytes < 0 ? "?" : StatusCommand.human(bytes);
    String phase = String.valueOf(p.get("phase"));
    StringBuilder sb = new StringBuilder();
    sb.append(String.format("%-8s %-11s %10s  %s", p.get("state"), phase, size, what));
    if (GcCommand.num(p, "missing") > 0) {
      sb.append("  (").append(GcCommand.num(p, "missing")).append(" blobs missing)");
    }
    return sb.toString();
  }

  @Command(name = "add", description = "Pin PATH (inside the mount) or a manifest HASH.")
  static final class Add extends Base {
    @Mixin JsonOption json;

    @Parameters(paramLabel = "PATH|HASH")
    String target;

    @Option(
        names = "--no-wait",
        description = "Return once the pin is written; do not wait for its blobs.")
    boolean noWait;

    @Override
    int run() throws Exception {
      NodeApi node = node();
      String t = target(target);
      Map<String, Object> p = node.pinAdd(t);
      if (!noWait) {
        p = PinProgress.await(node, p, !json.json, cli());
      }
      if (json.json) {
        printJson(p);
      } else {
        out().println(line(p));
        for (Object why : (List<?>) p.getOrDefault("problems", List.of())) {
          out().println("  " + why);
        }
      }
      return "stored".equals(p.get("state")) || noWait ? LatticeCommand.OK : LatticeCommand.FAILURE;
    }
  }

  @Command(
      name = "rm",
      description = "Unpin PATH, HASH or inode/STORE/ID (as pin ls shows it). Deletes nothing.")
  static final class Rm extends Base {
    @Parameters(paramLabel = "PATH|HASH")
    String target;

    @Override
    int run() throws Exception {
      if (!node().pinRemove(target(target))) {
        cli().err().println(target + " is not pinned on this node (see: lattice-fs pin ls)");
        return LatticeCommand.FAILURE;
      }
      return LatticeCommand.OK;
    }
  }

  @Command(name = "ls", description = "List this node's pins: state, progress, bytes.")
  static final class Ls extends Base {
    @Mixin JsonOption json;

    @Override
    int run() throws Exception {
      List<Map<String, Object>> pins = node().pins();
      if (json.json) {
        printJson(pins);
        return LatticeCommand.OK;
      }
      for (Map<String, Object> p : pins) {
        out().println(line(p));
      }
      return LatticeCommand.OK;
    }
  }
}
