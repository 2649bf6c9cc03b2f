package org.latticefs.node.cli;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import org.latticefs.node.LocalNode;
import org.latticefs.node.NodeApi;
import org.latticefs.node.NodeException;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.control.ControlClient;
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
  private final OutputStream stdout;
  private final PrintWriter out;
  private final PrintWriter err;
  private final InputStream in;
  private final Map<String, String> env;
  private final boolean terminal;
  private boolean verbose;
  private NodeApi node;
  private DataDir nodeDir;

  /**
   * @param stdout where output goes; text through {@link #out}, raw bytes through {@link #rawOut}
   * @param terminal whether stdout is a terminal (a person reads it, not a program)
   */
  Cli(
      OutputStream stdout,
      PrintWriter err,
      InputStream in,
      Map<String, String> env,
      boolean terminal) {
    this.stdout = stdout;
    this.out = new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8));
    this.err = err;
    this.in = in;
    this.env = env;
    this.terminal = terminal;
  }

  PrintWriter out() {
    return out;
  }

  /** Writes {@code bytes} to stdout as they are, after any text printed before. */
  void writeRaw(byte[] bytes) throws IOException {
    out.flush();
    stdout.write(bytes);
    stdout.flush();
  }

  /** Whether stdout is a terminal. */
  boolean terminal() {
    return terminal;
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

  /**
   * The node for {@code dir}: the daemon if one is running there, else the directory opened here
   * (created if missing). Reused until this context closes.
   */
  NodeApi node(DataDir dir) throws IOException {
    if (node != null && dir.equals(nodeDir)) {
      return node;
    }
    closeNode();
    Optional<ControlClient> daemon = ControlClient.connect(dir);
    node = daemon.isPresent() ? daemon.get() : LocalNode.open(dir);
    nodeDir = dir;
    return node;
  }

  /** The running daemon for {@code dir}, or a {@link NodeException} with exit code 3. */
  NodeApi daemon(DataDir dir) throws IOException {
    if (node instanceof ControlClient && dir.equals(nodeDir)) {
      return node;
    }
    Optional<ControlClient> daemon = ControlClient.connect(dir);
    if (daemon.isEmpty()) {
      throw new NodeException(
          "no lattice-fs daemon is running for "
              + dir.root()
              + " (start one with: lattice-fs mount DIR)",
          LatticeCommand.NOT_RUNNING,
          null);
    }
    closeNode();
    node = daemon.get();
    nodeDir = dir;
    return node;
  }

  /** Closes the node connection if open (the next {@link #node} reopens it). */
  void closeNode() {
    if (node != null) {
      try {
        node.close();
      } catch (IOException e) {
        err.println("lattice-fs: closing: " + e.getMessage());
      }
      node = null;
      nodeDir = null;
    }
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
    closeNode();
    out.flush();
    err.flush();
  }
}
