package org.latticefs.node.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Runs the CLI in-process with captured streams. */
record CliRun(int code, byte[] bytes, String out, String err) {
  static CliRun run(Path home, String... args) {
    return runWithInput(home, new byte[0], args);
  }

  static CliRun runWithInput(Path home, byte[] stdin, String... args) {
    List<String> all = new ArrayList<>();
    if (home != null) {
      all.add("--home");
      all.add(home.toString());
    }
    all.addAll(List.of(args));
    return runRaw(new ByteArrayInputStream(stdin), all.toArray(String[]::new));
  }

  static CliRun runRaw(InputStream in, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Map<String, String> env = new HashMap<>(System.getenv());
    env.remove("LATTICE_HOME");
    int code = LatticeCommand.execute(args, out, err, in, env, false);
    return new CliRun(
        code,
        out.toByteArray(),
        out.toString(StandardCharsets.UTF_8),
        err.toString(StandardCharsets.UTF_8));
  }
}
