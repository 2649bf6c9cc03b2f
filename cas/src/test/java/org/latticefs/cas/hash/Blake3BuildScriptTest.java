package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The native build script ({@code src/main/native/build-blake3.sh}) as Maven runs it: it builds a
 * library that loads and passes the self-check, skips work when up to date, only warns when the
 * sources or the compiler are missing, and fails when the compiler fails.
 */
class Blake3BuildScriptTest {
  @TempDir Path out;

  private static final String[] X86_SOURCES = {
    "blake3.c",
    "blake3_dispatch.c",
    "blake3_portable.c",
    "blake3_sse2_x86-64_unix.S",
    "blake3_sse41_x86-64_unix.S",
    "blake3_avx2_x86-64_unix.S",
    "blake3_avx512_x86-64_unix.S"
  };

  private record Run(int exit, String output) {}

  private static Path script() {
    Path here = Path.of("").toAbsolutePath();
    Path module = Files.isDirectory(here.resolve("cas/src")) ? here.resolve("cas") : here;
    return module.resolve("src/main/native/build-blake3.sh");
  }

  private Run run(Map<String, String> env) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("sh", script().toString(), out.toString()).redirectErrorStream(true);
    pb.environment().remove("BLAKE3_C_DIR");
    pb.environment().remove("CC");
    pb.environment().putAll(env);
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(5, TimeUnit.MINUTES)) {
      p.destroyForcibly();
      throw new AssertionError("build script hung: " + output);
    }
    return new Run(p.exitValue(), output);
  }

  private Path library() {
    return out.resolve("native").resolve(NativeBlake3.platform()).resolve("liblattice-blake3.so");
  }

  private static boolean onPath(String program) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
        return true;
      }
    }
    return false;
  }

  private static boolean debianSources() throws IOException {
    Path registry = Path.of("/usr/share/cargo/registry");
    if (!Files.isDirectory(registry)) {
      return false;
    }
    try (var dirs = Files.list(registry)) {
      return dirs.anyMatch(
          d ->
              d.getFileName().toString().startsWith("blake3-")
                  && Files.isRegularFile(d.resolve("c/blake3.c")));
    }
  }

  @Test
  void buildsALibraryThatPassesTheSelfCheckAndSkipsWhenUpToDate() throws Exception {
    Blake3TestSupport.requireOrSkipOffCi(
        onPath("gcc") && debianSources(), "gcc and the BLAKE3 C sources (librust-blake3-dev)");
    Run first = run(Map.of());
    assertEquals(0, first.exit(), first.output());
    assertTrue(Files.isRegularFile(library()), first.output());
    assertTrue(first.output().contains("compiling BLAKE3"), first.output());

    NativeBlake3 lib = NativeBlake3.load(library());
    assertTrue(lib.description().startsWith("native (BLAKE3 C "), lib.description());
    assertEquals(
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        lib.hash(new byte[0], 0, 0).hex());

    FileTime built = Files.getLastModifiedTime(library());
    Run second = run(Map.of());
    assertEquals(0, second.exit(), second.output());
    assertFalse(second.output().contains("compiling"), second.output());
    assertEquals(built, Files.getLastModifiedTime(library()));
  }

  @Test
  void missingSourcesOnlyWarn(@TempDir Path emptySources) throws Exception {
    Run run = run(Map.of("BLAKE3_C_DIR", emptySources.toString()));
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("[WARNING] lattice-blake3: BLAKE3 C sources not found"));
    assertTrue(run.output().contains("apt-get install librust-blake3-dev"), run.output());
    assertFalse(Files.exists(library()));
  }

  @Test
  void missingCompilerOnlyWarns() throws Exception {
    Blake3TestSupport.requireOrSkipOffCi(debianSources(), "the BLAKE3 C sources");
    Run run = run(Map.of("CC", "no-such-compiler-here"));
    assertEquals(0, run.exit(), run.output());
    assertTrue(run.output().contains("no C compiler 'no-such-compiler-here'"), run.output());
    assertFalse(Files.exists(library()));
  }

  @Test
  void aCompilerErrorFailsTheBuild(@TempDir Path brokenSources) throws Exception {
    Blake3TestSupport.requireOrSkipOffCi(onPath("gcc"), "gcc");
    for (String name : X86_SOURCES) {
      Files.writeString(brokenSources.resolve(name), "this is not C\n");
    }
    Files.write(brokenSources.resolve("blake3_neon.c"), List.of("this is not C"));
    Run run = run(Map.of("BLAKE3_C_DIR", brokenSources.toString()));
    assertNotEquals(0, run.exit(), run.output());
    assertFalse(Files.exists(library()));
  }
}
