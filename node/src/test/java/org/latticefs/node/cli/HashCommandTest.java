package org.latticefs.node.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code hash} against the real {@code b3sum} binary, byte for byte. */
class HashCommandTest {
  @TempDir static Path dir;
  static final List<String> NAMES =
      List.of(
          "empty",
          "one",
          "small.txt",
          "big.bin",
          "sp ace",
          "back\\slash",
          "new\nline",
          "tab\tx",
          "cr\rx",
          "ünïcødé",
          "lead-\\\\two");

  @BeforeAll
  static void files() throws IOException {
    Random r = new Random(42);
    for (String n : NAMES) {
      int size =
          switch (n) {
            case "empty" -> 0;
            case "one" -> 1;
            case "big.bin" -> 3 * 1024 * 1024 + 17;
            default -> 1 + r.nextInt(5000);
          };
      byte[] b = new byte[size];
      r.nextBytes(b);
      Files.write(dir.resolve(n), b);
    }
  }

  static String b3sum(byte[] stdin, List<String> args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("b3sum"));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).start();
    p.getOutputStream().write(stdin);
    p.getOutputStream().close();
    byte[] out = p.getInputStream().readAllBytes();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new String(out, StandardCharsets.UTF_8);
  }

  @Test
  void identicalToB3sumOnEveryFile() throws Exception {
    List<String> abs = NAMES.stream().map(n -> dir.resolve(n).toString()).toList();
    CliRun ours = CliRun.run(null, prepend("hash", abs));
    assertEquals(0, ours.code(), ours.err());
    assertEquals(b3sum(new byte[0], abs), ours.out());
    assertTrue(ours.out().contains("\\"), "escaped names are exercised");
  }

  @Test
  void stdinWithDashAndWithoutArguments() throws Exception {
    byte[] in = "hello lattice\n".repeat(1000).getBytes(StandardCharsets.UTF_8);
    String expected = b3sum(in, List.of());
    assertEquals(expected, CliRun.runWithInput(null, in, "hash").out());
    assertEquals(expected, CliRun.runWithInput(null, in, "hash", "-").out());
  }

  @Test
  void missingFileReportedLikeB3sumAndOthersStillHashed() throws Exception {
    String ok = dir.resolve("one").toString();
    CliRun r = CliRun.run(null, "hash", "/nonexistent/nope", ok, dir.toString());
    assertEquals(1, r.code());
    assertEquals(b3sum(new byte[0], List.of(ok)), r.out());
    assertEquals(
        "lattice-fs: /nonexistent/nope: No such file or directory (os error 2)\n"
            + "lattice-fs: "
            + dir
            + ": Is a directory (os error 21)\n",
        r.err());
  }

  @Test
  void badOptionIsAUsageError() {
    CliRun r = CliRun.run(null, "hash", "--frobnicate");
    assertEquals(2, r.code());
    assertTrue(r.err().contains("Unknown option: '--frobnicate'"), r.err());
    assertTrue(r.err().contains("lattice-fs hash --help"), r.err());
  }

  @Test
  void helpAndVersion() {
    CliRun h = CliRun.run(null, "hash", "--help");
    assertEquals(0, h.code());
    assertTrue(h.out().contains("Usage: lattice-fs hash"), h.out());
    CliRun v = CliRun.run(null, "--version");
    assertEquals(0, v.code());
    assertTrue(v.out().startsWith("lattice-fs "), v.out());
  }

  private static String[] prepend(String first, List<String> rest) {
    List<String> all = new ArrayList<>();
    all.add(first);
    all.addAll(rest);
    return all.toArray(String[]::new);
  }
}
