package org.latticefs.node.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.ParsedLine;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.DefaultParser;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.latticefs.node.config.DataDirModes;
import org.latticefs.node.format.DataDirFormat;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;

/**
 * {@code lattice-fs shell}: an interactive prompt that runs the same commands (without the {@code
 * lattice-fs} prefix), with line editing, history ({@code shell_history} in the data directory) and
 * tab completion of commands and options. {@code exit}, {@code quit} or Ctrl-D leave it. With piped
 * input (no terminal) it runs one command per line, without prompt or history.
 *
 * <p>Commands in one session share one node connection: the running daemon's socket or, with no
 * daemon, the data directory opened here (then held, under its lock, until the shell exits).
 */
@Command(
    name = "shell",
    description = {
      "Interactive prompt for the same commands, with history and tab completion.",
      "Leave with exit, quit or Ctrl-D."
    })
final class ShellCommand extends Base {
  static final Set<String> NESTED_ONLY = Set.of("shell");

  @Override
  int run() throws IOException {
    Cli cli = cli();
    DataDirFormat.prepare(dataDir());
    boolean interactive = cli.in() == System.in && System.console() != null;
    if (!interactive) {
      // Piped input: no terminal, no history; same parsing (quotes, escapes) as the prompt.
      BufferedReader lines =
          new BufferedReader(new InputStreamReader(cli.in(), StandardCharsets.UTF_8));
      DefaultParser parser = new DefaultParser();
      for (String line = lines.readLine(); line != null; line = lines.readLine()) {
        if (!runLine(parser.parse(line, 0).words(), false)) {
          break;
        }
      }
      return LatticeCommand.OK;
    }
    Path history = dataDir().root().resolve("shell_history");
    if (!Files.exists(history)) {
      // Private from the start: the shell's history may hold values typed at the prompt.
      Files.createFile(history, DataDirModes.privateFile());
    }
    try (Terminal terminal = TerminalBuilder.builder().name("lattice").system(true).build()) {
      LineReader reader =
          LineReaderBuilder.builder()
              .terminal(terminal)
              .appName("lattice-fs")
              .parser(new DefaultParser())
              .completer(new SpecCompleter(cli.commandLine().getCommandSpec()))
              .variable(LineReader.HISTORY_FILE, history)
              .build();
      cli.err().println("lattice-fs shell: type 'help' for commands, 'exit' to leave.");
      cli.err().flush();
      while (true) {
        String line;
        try {
          line = reader.readLine("lattice> ");
        } catch (UserInterruptException e) {
          continue;
        } catch (EndOfFileException e) {
          break;
        }
        if (!runLine(reader.getParser().parse(line, 0).words(), true)) {
          break;
        }
      }
    }
    return LatticeCommand.OK;
  }

  /** Runs one line's command; false if the line asks to leave the shell. */
  private boolean runLine(List<String> parsed, boolean interactive) {
    Cli cli = cli();
    List<String> words = new ArrayList<>(parsed);
    words.removeIf(String::isEmpty);
    if (words.isEmpty()) {
      return true;
    }
    String first = words.get(0);
    if (first.equals("exit") || first.equals("quit")) {
      return false;
    }
    if (NESTED_ONLY.contains(first)) {
      cli.err().println("lattice-fs: already in the shell");
      cli.err().flush();
      return true;
    }
    List<String> args = new ArrayList<>();
    if (root().home != null) {
      args.add("--home");
      args.add(root().home.toString());
    }
    args.addAll(words);
    int code = cli.execute(args.toArray(String[]::new));
    if (code != 0 && interactive) {
      cli.err().println("(exit " + code + ")");
      cli.err().flush();
    }
    return true;
  }

  /** Completes commands, subcommands and options from the picocli model. */
  static final class SpecCompleter implements Completer {
    private final CommandSpec spec;

    SpecCompleter(CommandSpec spec) {
      this.spec = spec;
    }

    @Override
    public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
      String[] words = line.words().toArray(String[]::new);
      List<CharSequence> found = new ArrayList<>();
      AutoComplete.complete(spec, words, line.wordIndex(), line.wordCursor(), line.cursor(), found);
      String prefix = line.word().substring(0, line.wordCursor());
      for (CharSequence c : found) {
        String s = prefix + c;
        if (!s.equals("exit")) {
          candidates.add(new Candidate(s));
        }
      }
      if (line.wordIndex() == 0) {
        for (String w : List.of("exit", "quit")) {
          if (w.startsWith(prefix)) {
            candidates.add(new Candidate(w));
          }
        }
      }
    }
  }
}
