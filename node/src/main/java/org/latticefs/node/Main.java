package org.latticefs.node;

import org.latticefs.node.cli.LatticeCommand;
import org.latticefs.node.config.Logging;

/** The {@code lattice-fs} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Logging.configure(args);
    // Java 17: a console exists when stdin and stdout are both terminals.
    int code =
        LatticeCommand.execute(
            args, System.out, System.err, System.in, System.getenv(), System.console() != null);
    System.out.flush();
    System.err.flush();
    System.exit(code);
  }
}
