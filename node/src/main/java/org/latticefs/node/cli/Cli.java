package org.latticefs.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.Map;
import org.latticefs.node.NodeException;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * What the commands of one CLI invocation (or one {@code shell} session) share: the streams, the
 * environment, and the node connection, opened on first use and closed with this.
 *
 * <p>The connection goes to the running daemon if its control socket answers, else to the data
 * directory opened in this process under its exclusive lock.
 */
final class Cli implements AutoCloseable {
  private final PrintWriter out;
  private final PrintWriter err;
  private final InputStream in;
  private final Map<String, String> env;
  private boolean verbose;

  Cli(PrintWriter out, PrintWriter err, InputStream in, Map<String, String> env) {
    this.out = out;
    this.err = err;
    this.in = in;
    this.env = env;
  }

  PrintWriter out() {
    return out;
  }

  PrintWriter err() {
    return err;
  }

  InputStream in() {
    return in;
  }

  Map<String, String> env() {
    return env;
  }

  /** A fresh command tree bound to this context. */
  CommandLine commandLine() {
    CommandLine cl = new CommandLine(new LatticeCommand(this));
    cl.setOut(out);
    cl.setErr(err);
    cl.setCaseInsensitiveEnumValuesAllowed(true);
    cl.setParameterExceptionHandler(this::usageError);
    cl.setExecutionExceptionHandler(
        (ex, cmd, parsed) -> {
          verbose =
              cmd.getCommandSpec().root().userObject() instanceof LatticeCommand lc && lc.verbose;
          return failure(ex);
        });
    return cl;
  }

  int execute(String[] args) {
    int code = commandLine().execute(args);
    out.flush();
    err.flush();
    return code;
  }

  private int usageError(ParameterException ex, String[] args) {
    CommandLine cmd = ex.getCommandLine();
    err.println("lattice-fs: " + ex.getMessage());
    UnmatchedArgumentException.printSuggestions(ex, err);
    err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for more information.");
    err.flush();
    return LatticeCommand.USAGE;
  }

  private int failure(Exception ex) {
    String msg = ex.getMessage() == null ? ex.toString() : ex.getMessage();
    if (ex instanceof NodeException
        || ex instanceof IOException
        || ex instanceof IllegalArgumentException) {
      err.println("lattice-fs: " + msg);
    } else {
      err.println("lattice-fs: internal error: " + ex);
    }
    if (verbose) {
      ex.printStackTrace(err);
    }
    err.flush();
    return ex instanceof NodeException ne ? ne.exitCode() : LatticeCommand.FAILURE;
  }

  @Override
  public void close() {
    out.flush();
    err.flush();
  }
}
