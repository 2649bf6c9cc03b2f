package org.latticefs.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries of docs/DESIGN.md, read from every module's main sources (comments
 * stripped, so Javadoc links do not count): which of our modules each may use, and which foreign
 * libraries it must not (FUSE bindings, Netty, jnr). A module folder that does not exist yet (gc,
 * mesh) is skipped; one that exists is checked.
 */
class ModuleBoundaryTest {
  private static final Path ROOT = Path.of("..");
  private static final Pattern REFERENCE =
      Pattern.compile(
          "\\b(org\\.latticefs(?:\\.\\w+)+|io\\.netty(?:\\.\\w+)*|jnr(?:\\.\\w+)+|ru\\.serce(?:\\.\\w+)*)");

  /** What one module may reference: our names by prefix, and foreign prefixes it must not. */
  record Rule(List<String> ours, List<String> forbidden) {
    boolean allows(String ref) {
      if (ref.startsWith("org.latticefs")) {
        return ours.stream().anyMatch(p -> ref.equals(p) || ref.startsWith(p + "."));
      }
      return forbidden.stream().noneMatch(p -> ref.equals(p) || ref.startsWith(p + "."));
    }
  }

  private static final String FUSE = "ru.serce";
  private static final String NETTY = "io.netty";
  private static final String JNR = "jnr";

  static final Map<String, Rule> RULES =
      Map.of(
          "cas", new Rule(ours("cas"), List.of(FUSE, NETTY)),
          "kv",
              new Rule(
                  List.of(
                      "org.latticefs.kv",
                      "org.latticefs.cas.hash",
                      "org.latticefs.cas.io",
                      "org.latticefs.cas.BlobRef"),
                  List.of(FUSE, NETTY, JNR)),
          "fs", new Rule(ours("fs", "kv", "cas"), List.of(NETTY)),
          "gc", new Rule(ours("gc", "kv", "cas"), List.of(FUSE, NETTY)),
          "mesh", new Rule(ours("mesh", "kv", "cas"), List.of(FUSE, JNR)),
          "node", new Rule(ours("node", "fs", "mesh", "gc", "kv", "cas"), List.of()));

  private static List<String> ours(String... modules) {
    return Stream.of(modules).map(m -> "org.latticefs." + m).toList();
  }

  /** Every reference in {@code source} that {@code rule} does not allow. */
  static List<String> violations(String source, Rule rule) {
    String code = source.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
    code = code.replaceFirst("(?m)^package [\\w.]+;", " ");
    List<String> bad = new ArrayList<>();
    Matcher m = REFERENCE.matcher(code);
    while (m.find()) {
      if (!rule.allows(m.group(1))) {
        bad.add(m.group(1));
      }
    }
    return bad;
  }

  @Test
  void everyModuleImportsOnlyWhatTheDesignAllows() throws IOException {
    List<String> bad = new ArrayList<>();
    int files = 0;
    for (var e : RULES.entrySet()) {
      Path main = ROOT.resolve(e.getKey()).resolve("src/main/java");
      if (!Files.isDirectory(main)) {
        continue;
      }
      try (Stream<Path> s = Files.walk(main)) {
        for (Path f : s.filter(p -> p.toString().endsWith(".java")).toList()) {
          files++;
          for (String ref : violations(Files.readString(f), e.getValue())) {
            bad.add(ROOT.relativize(f) + " -> " + ref);
          }
        }
      }
    }
    assertTrue(files > 200, "read the main sources of cas, kv, fs and node (" + files + " files)");
    assertEquals(List.of(), bad, "references docs/DESIGN.md's module rules forbid");
  }

  @Test
  void theCheckCatchesForbiddenReferences() {
    String kv =
        "package org.latticefs.kv.store;\n"
            + "import org.latticefs.cas.hash.Blake3;\n"
            + "import org.latticefs.cas.BlobRef;\n"
            + "import org.latticefs.cas.store.DiskBlobStore;\n"
            + "import jnr.ffi.Pointer;\n"
            + "/** {@link org.latticefs.fs.Attr} in a comment does not count. */\n"
            + "class X { io.netty.buffer.ByteBuf b; org.latticefs.node.Main m; }\n";
    assertEquals(
        List.of(
            "org.latticefs.cas.store.DiskBlobStore",
            "jnr.ffi.Pointer",
            "io.netty.buffer.ByteBuf",
            "org.latticefs.node.Main"),
        violations(kv, RULES.get("kv")));
    assertEquals(
        List.of("org.latticefs.kv.Store", "ru.serce.jnrfuse.FuseStubFS"),
        violations(
            "import org.latticefs.kv.Store;\nimport ru.serce.jnrfuse.FuseStubFS;\n"
                + "import jnr.ffi.Pointer;\n",
            RULES.get("cas")));
    assertEquals(
        List.of("io.netty.channel.Channel", "org.latticefs.mesh.Peer", "org.latticefs.node.Daemon"),
        violations(
            "import io.netty.channel.Channel;\nimport org.latticefs.mesh.Peer;\n"
                + "import org.latticefs.node.Daemon;\nimport org.latticefs.kv.Store;\n",
            RULES.get("fs")));
    assertEquals(
        List.of("org.latticefs.fs.Attr", "jnr.ffi.Pointer", "org.latticefs.gc.Pins"),
        violations(
            "import org.latticefs.fs.Attr;\nimport jnr.ffi.Pointer;\nimport org.latticefs.gc.Pins;\n"
                + "import io.netty.channel.Channel;\n",
            RULES.get("mesh")));
    assertEquals(
        List.of("org.latticefs.fs.Attr", "io.netty.channel.Channel"),
        violations(
            "import org.latticefs.fs.Attr;\nimport io.netty.channel.Channel;\n"
                + "import org.latticefs.kv.Store;\n",
            RULES.get("gc")));
    assertEquals(
        List.of("org.latticefs.bench.Shell"),
        violations("import org.latticefs.bench.Shell;\n", RULES.get("node")));
  }
}
