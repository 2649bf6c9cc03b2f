package org.latticefs.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Runs fio jobs (psync, depth 1, JSON output) in a directory and reads figures from the result. */
public final class Fio {
  private Fio() {}

  /** Runs the fio job {@code job} (its {@code --name=...} and further options) in {@code dir}. */
  public static String run(Path dir, String... job) throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "fio",
                "--ioengine=psync",
                "--iodepth=1",
                "--output-format=json",
                "--directory=" + dir));
    cmd.addAll(List.of(job));
    return Shell.run(cmd.toArray(String[]::new));
  }

  /** The numeric {@code key} inside the first {@code "section" : { ... }} object of fio's JSON. */
  public static double field(String json, String section, String key) {
    Matcher m =
        Pattern.compile("\"" + section + "\"\\s*:\\s*\\{[^{}]*?\"" + key + "\"\\s*:\\s*([0-9.]+)")
            .matcher(json);
    if (!m.find()) {
      throw new IllegalStateException("no " + section + "." + key + " in fio output");
    }
    return Double.parseDouble(m.group(1));
  }
}
