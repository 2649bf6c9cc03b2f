package org.latticefs.node.cli;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.latticefs.node.NodeApi.StoreRow;
import org.latticefs.node.control.Wire;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

/** {@code lattice-fs store …}: the stores (top-level folders of the mount). */
@Command(
    name = "store",
    description = "Create, list and remove stores (each is a top-level folder of the mount).",
    subcommands = {
      StoreCommand.Create.class,
      StoreCommand.Ls.class,
      StoreCommand.Rm.class,
      StoreCommand.Mode.class
    })
final class StoreCommand extends Base {
  @Override
  int run() {
    spec.commandLine().usage(cli().err());
    return LatticeCommand.USAGE;
  }

  @Command(name = "create", description = "Declare a new store NAME; prints its UUID.")
  static final class Create extends Base {
    @Mixin JsonOption json;

    @Parameters(paramLabel = "NAME")
    String name;

    @Override
    int run() throws Exception {
      StoreRow s = node().createStore(name);
      if (json.json) {
        printJson(Wire.store(s));
      } else {
        out().println(s.id());
      }
      return LatticeCommand.OK;
    }
  }

  @Command(name = "ls", description = "List stores: name, UUID, creation time.")
  static final class Ls extends Base {
    @Mixin JsonOption json;

    @Override
    int run() throws Exception {
      List<StoreRow> stores = node().stores();
      if (json.json) {
        List<Object> l = new ArrayList<>();
        for (StoreRow s : stores) {
          l.add(Wire.store(s));
        }
        printJson(l);
      } else {
        for (StoreRow s : stores) {
          out()
              .println(s.name() + "  " + s.id() + "  " + Instant.ofEpochMilli(s.createdAtMillis()));
        }
      }
      return LatticeCommand.OK;
    }
  }

  @Command(name = "rm", description = "Remove the declaration of store NAME or UUID.")
  static final class Rm extends Base {
    @Parameters(paramLabel = "NAME|UUID")
    String store;

    @Override
    int run() throws Exception {
      node().removeStore(store);
      return LatticeCommand.OK;
    }
  }

  @Command(
      name = "mode",
      description = {
        "Choose how this node keeps store NAME: full (every blob here; the default) or on-demand"
            + " (bytes fetched on first read and kept as cache, evictable when other nodes keep"
            + " them)."
      })
  static final class Mode extends Base {
    @Mixin JsonOption json;

    @Parameters(index = "0", paramLabel = "NAME|UUID")
    String store;

    @Parameters(index = "1", paramLabel = "full|on-demand")
    String mode;

    @Override
    int run() throws Exception {
      java.util.Map<String, Object> r = node().setStoreMode(store, mode);
      if (json.json) {
        printJson(r);
      } else {
        out()
            .println(
                r.get("store")
                    + ": "
                    + r.get("mode")
                    + (Boolean.TRUE.equals(r.get("changed")) ? "" : " (unchanged)"));
      }
      return LatticeCommand.OK;
    }
  }
}
