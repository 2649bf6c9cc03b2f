package org.latticefs.node.cli;

import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.latticefs.node.config.DataDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The root of the {@code lattice-fs} command tree.
 *
 * <h2>Exit codes</h2>
 *
 * 0 success; 1 failure (the message says why); 2 bad usage (unknown command or option, missing or
 * malformed argument); 3 no daemon is running (for commands that need one: {@code status}, {@code
 * unmount}, {@code stat}, {@code peer invite|join}).
 */
@Command(
    name = "lattice-fs",
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Lattice: a content-addressed, peer-replicated store mounted as a folder.",
    subcommands = {
      HashCommand.class,
      ChunkCommand.class,
      InitCommand.class,
      IdCommand.class,
      KvCommand.class,
      StoreCommand.class,
      PeerCommand.class,
      MountCommand.class,
      UnmountCommand.class,
      StatusCommand.class,
      StatCommand.class,
      GcCommand.class,
      DuCommand.class,
      PinCommand.class,
      WhereisCommand.class,
      FsckCommand.class,
      VersionsCommand.class,
      ShellCommand.class,
      CommandLine.HelpCommand.class
    },
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
      "0:success",
      "1:failure (the message says why)",
      "2:bad usage",
      "3:no daemon running (status, unmount, stat, peer invite|join)"
    })
public final class LatticeCommand implements Callable<Integer> {
  public static final int OK = 0;
  public static final int FAILURE = 1;
  public static final int USAGE = 2;
  public static final int NOT_RUNNING = 3;

  @Spec CommandSpec spec;

  @Option(
      names = {"-v", "--verbose"},
      scope = ScopeType.INHERIT,
      description = "Debug logging to stderr.")
  boolean verbose;

  @Option(
      names = "--home",
      scope = ScopeType.INHERIT,
      paramLabel = "DIR",
      description = "Data directory (default: $LATTICE_HOME, else ~/.local/share/lattice).")
  Path home;

  private final Cli cli;

  LatticeCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    spec.commandLine().usage(cli.err());
    return USAGE;
  }

  Cli cli() {
    return cli;
  }

  DataDir dataDir() {
    return DataDir.resolve(home, cli.env());
  }

  /**
   * Runs one command line; returns its exit code. Never throws for a command's failure.
   *
   * @param terminal whether {@code out} is a terminal (decides, e.g., whether {@code kv get} ends a
   *     text value with a newline)
   */
  public static int execute(
      String[] args,
      OutputStream out,
      OutputStream err,
      InputStream in,
      Map<String, String> env,
      boolean terminal) {
    PrintWriter e = new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8));
    try (Cli cli = new Cli(out, e, in, env, terminal)) {
      return cli.execute(args);
    } finally {
      e.flush();
    }
  }
}
