package org.latticefs.node.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import org.latticefs.node.NodeApi;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.control.Json;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** What every node command shares: the context, the data directory, output helpers. */
abstract class Base implements Callable<Integer> {
  @Spec CommandSpec spec;

  LatticeCommand root() {
    return (LatticeCommand) spec.root().userObject();
  }

  Cli cli() {
    return root().cli();
  }

  DataDir dataDir() {
    return root().dataDir();
  }

  PrintWriter out() {
    return cli().out();
  }

  /** The daemon if one runs for the data directory, else the directory opened here. */
  NodeApi node() throws IOException {
    return cli().node(dataDir());
  }

  /** Prints {@code value} as indented JSON and a newline. */
  void printJson(Object value) {
    out().println(Json.pretty(value));
  }

  @Override
  public final Integer call() throws Exception {
    return run();
  }

  abstract int run() throws Exception;
}
