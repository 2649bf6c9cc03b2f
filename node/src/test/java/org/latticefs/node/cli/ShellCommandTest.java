package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jline.reader.Candidate;
import org.jline.reader.impl.DefaultParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShellCommandTest {
  @TempDir Path home;

  @Test
  void runsCommandsLineByLineWithOneOpenNode() throws Exception {
    String script =
        String.join(
            "\n",
            "kv put /a 'one two'",
            "kv get --json /a",
            "store create docs",
            "kv put --store docs /b three",
            "kv ls --store docs",
            "kv get /missing",
            "",
            "shell",
            "exit",
            "kv get /a");
    CliRun r = CliRun.runWithInput(home, script.getBytes(StandardCharsets.UTF_8), "shell");
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().split("\n");
    assertEquals("  \"value\": \"one two\",", lines[2]);
    assertTrue(lines[5].matches("[0-9a-f-]{36}"), lines[5]);
    assertEquals("/b  three", lines[6]);
    assertEquals(7, lines.length, "nothing runs after exit: " + r.out());
    assertTrue(r.err().contains("no such key: /missing"), r.err());
    assertTrue(r.err().contains("already in the shell"), r.err());
    // The shell closed the data directory: a plain command can open it again.
    assertEquals("one two", CliRun.run(home, "kv", "get", "/a").out());
  }

  @Test
  void completesCommandsSubcommandsAndOptions() {
    ShellCommand.SpecCompleter c =
        new ShellCommand.SpecCompleter(
            new Cli(
                    java.io.OutputStream.nullOutputStream(),
                    new java.io.PrintWriter(java.io.Writer.nullWriter()),
                    java.io.InputStream.nullInputStream(),
                    java.util.Map.of(),
                    false)
                .commandLine()
                .getCommandSpec());
    assertEquals(List.of("kv"), complete(c, "k"));
    assertTrue(complete(c, "kv h").containsAll(List.of("heads", "history")));
    assertTrue(complete(c, "kv ls --").containsAll(List.of("--json", "--store", "--limit")));
    assertTrue(complete(c, "e").contains("exit"));
  }

  static List<String> complete(ShellCommand.SpecCompleter c, String line) {
    List<Candidate> out = new ArrayList<>();
    c.complete(null, new DefaultParser().parse(line, line.length()), out);
    return out.stream().map(Candidate::value).toList();
  }
}
