package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** What the BLAKE3 tests share: the official vectors, the native library, the CI rule. */
final class Blake3TestSupport {
  private Blake3TestSupport() {}

  /** One official test vector, hash mode: the first 32 bytes of its extended output. */
  record Vector(int inputLength, String hashHex) {
    /** The vector's input: byte i is {@code i % 251}, per the file's own comment. */
    byte[] input() {
      return pattern(inputLength);
    }
  }

  static byte[] pattern(int length) {
    byte[] input = new byte[length];
    for (int i = 0; i < length; i++) {
      input[i] = (byte) (i % 251);
    }
    return input;
  }

  static final String VECTORS_FILE = "testdata/blake3_test_vectors.json";

  /**
   * The official vectors from {@code shared/testdata}: beside the repository (how CI lays it out)
   * or at {@code /work/shared} (a developer's worktree).
   */
  static List<Vector> vectors() {
    Path here = Path.of("").toAbsolutePath();
    // Maven runs tests in the module folder; an IDE may run them from the repository root.
    Path repo = Files.isRegularFile(here.resolve("cas/pom.xml")) ? here : here.getParent();
    List<Path> candidates =
        List.of(
            repo.resolveSibling("shared").resolve(VECTORS_FILE),
            Path.of("/work/shared").resolve(VECTORS_FILE));
    Path file =
        candidates.stream()
            .filter(Files::isRegularFile)
            .findFirst()
            .orElseThrow(
                () -> new AssertionError("BLAKE3 test vectors not found; looked at " + candidates));
    String json;
    try {
      json = Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<Vector> vectors = new ArrayList<>();
    Matcher m =
        Pattern.compile("\"input_len\"\\s*:\\s*(\\d+)\\s*,\\s*\"hash\"\\s*:\\s*\"([0-9a-f]+)\"")
            .matcher(json);
    while (m.find()) {
      vectors.add(new Vector(Integer.parseInt(m.group(1)), m.group(2).substring(0, 64)));
    }
    int cases = json.split("\"input_len\"", -1).length - 1;
    if (cases == 0 || vectors.size() != cases) {
      throw new AssertionError(
          file + ": parsed " + vectors.size() + " hash vectors out of " + cases + " cases");
    }
    return vectors;
  }

  static boolean onCi() {
    String ci = System.getenv("CI");
    return ci != null && !ci.isBlank() && !ci.equalsIgnoreCase("false");
  }

  /**
   * Skips the calling test when a tool or library is missing on a developer machine, and fails it
   * on CI, where everything must be installed.
   */
  static void requireOrSkipOffCi(boolean present, String what) {
    if (!present && onCi()) {
      fail(what + " is missing, and CI must test it");
    }
    assumeTrue(present, what + " is missing; skipped (would fail with CI set)");
  }

  private static NativeBlake3 nativeLib;
  private static String nativeFailure;

  /** The native library, loaded once for all tests; skipped or failed (CI) if unavailable. */
  static synchronized NativeBlake3 nativeLib() {
    if (nativeLib == null && nativeFailure == null) {
      try {
        nativeLib = NativeBlake3.load();
      } catch (NativeBlake3.UnavailableException e) {
        nativeFailure = e.getMessage();
      }
    }
    requireOrSkipOffCi(nativeLib != null, "native BLAKE3 (" + nativeFailure + ")");
    return nativeLib;
  }
}
