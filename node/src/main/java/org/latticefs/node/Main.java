package org.latticefs.node;

import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import org.latticefs.node.cli.LatticeCommand;
import org.latticefs.node.config.Logging;

/** The {@code lattice-fs} executable. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    Logging.configure(args);
    PrintWriter out = new PrintWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
    PrintWriter err = new PrintWriter(new OutputStreamWriter(System.err, StandardCharsets.UTF_8));
    int code = LatticeCommand.execute(args, out, err);
    out.flush();
    err.flush();
    System.exit(code);
  }
}
