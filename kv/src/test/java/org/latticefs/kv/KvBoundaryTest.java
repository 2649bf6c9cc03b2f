package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * kv's place among the modules, read from its main sources (comments stripped, so Javadoc links do
 * not count): of cas it uses only hashing ({@code cas.hash}), small-file I/O ({@code cas.io}) and
 * {@code cas.BlobRef}; nothing of fs, node or the network; and its own packages form layers without
 * cycles, the root package (the API applications see) at the bottom.
 */
class KvBoundaryTest {
  private static final Path MAIN = Path.of("src/main/java");
  private static final Pattern REFERENCE =
      Pattern.compile(
          "\\b(org\\.latticefs\\.[a-z][a-z0-9_.]*[A-Z]?\\w*|io\\.netty\\.\\w+|jnr\\.\\w+)");
  private static final Pattern PACKAGE =
      Pattern.compile("^package ([a-z0-9_.]+);", Pattern.MULTILINE);

  /** Per main source file (relative path), its package and the names it references. */
  private static Map<String, Source> sources() throws IOException {
    assertTrue(
        Files.isDirectory(MAIN), "run from the kv module directory: " + MAIN.toAbsolutePath());
    Map<String, Source> out = new TreeMap<>();
    try (Stream<Path> files = Files.walk(MAIN)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
        String code = stripComments(Files.readString(f));
        Matcher pkg = PACKAGE.matcher(code);
        String name = pkg.find() ? pkg.group(1) : "";
        Set<String> refs = new TreeSet<>();
        Matcher m = REFERENCE.matcher(code.substring(pkg.end()));
        while (m.find()) {
          refs.add(m.group(1));
        }
        out.put(MAIN.relativize(f).toString(), new Source(name, refs));
      }
    }
    assertTrue(out.size() > 20, "found the sources");
    return out;
  }

  private record Source(String pkg, Set<String> refs) {}

  static String stripComments(String code) {
    return code.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
  }

  @Test
  void ofCasOnlyHashingSmallFileIoAndBlobRef() throws IOException {
    List<String> bad = new ArrayList<>();
    sources()
        .forEach(
            (file, src) -> {
              for (String ref : src.refs()) {
                boolean cas = ref.startsWith("org.latticefs.cas.");
                boolean allowed =
                    ref.startsWith("org.latticefs.cas.hash.")
                        || ref.startsWith("org.latticefs.cas.io.")
                        || ref.equals("org.latticefs.cas.BlobRef");
                boolean ours =
                    ref.startsWith("org.latticefs.kv.") || ref.equals("org.latticefs.kv");
                if (cas && !allowed || !cas && !ours) {
                  bad.add(file + " -> " + ref);
                }
              }
            });
    assertEquals(List.of(), bad, "kv may use of cas only cas.hash, cas.io and cas.BlobRef");
  }

  @Test
  void packagesFormLayersWithoutCycles() throws IOException {
    Map<String, Set<String>> uses = new TreeMap<>();
    sources()
        .forEach(
            (file, src) -> {
              Set<String> deps = uses.computeIfAbsent(src.pkg(), k -> new TreeSet<>());
              for (String ref : src.refs()) {
                String target = kvPackageOf(ref);
                if (target != null && !target.equals(src.pkg())) {
                  deps.add(target);
                }
              }
            });
    assertEquals(
        Set.of(),
        uses.getOrDefault("org.latticefs.kv", Set.of()),
        "the root package (values and the application API) depends on no kv subpackage");
    List<String> cycles = new ArrayList<>();
    for (String start : uses.keySet()) {
      List<String> path = new ArrayList<>();
      if (reaches(start, start, uses, path, new TreeSet<>())) {
        cycles.add(start + " -> " + String.join(" -> ", path));
      }
    }
    assertEquals(List.of(), cycles, "kv's packages import each other in a cycle");
  }

  /** The kv package a reference names ({@code org.latticefs.kv.sub.Type...}), or null. */
  static String kvPackageOf(String ref) {
    if (!ref.startsWith("org.latticefs.kv.")) {
      return null;
    }
    String[] parts = ref.split("\\.");
    StringBuilder pkg = new StringBuilder("org.latticefs.kv");
    for (int i = 3; i < parts.length && Character.isLowerCase(parts[i].charAt(0)); i++) {
      pkg.append('.').append(parts[i]);
    }
    return pkg.toString();
  }

  private static boolean reaches(
      String from,
      String target,
      Map<String, Set<String>> uses,
      List<String> path,
      Set<String> seen) {
    for (String next : uses.getOrDefault(from, Set.of())) {
      path.add(next);
      if (next.equals(target)) {
        return true;
      }
      if (seen.add(next) && reaches(next, target, uses, path, seen)) {
        return true;
      }
      path.remove(path.size() - 1);
    }
    return false;
  }

  @Test
  void theCheckerSeesWhatItMustRefuse() {
    assertEquals("org.latticefs.kv.store", kvPackageOf("org.latticefs.kv.store.LogStore"));
    assertEquals("org.latticefs.kv", kvPackageOf("org.latticefs.kv.Stores.StoreInfo"));
    String code =
        "/** {@link org.latticefs.cas.store.DiskBlobStore} */\nimport org.latticefs.cas.chunk.Chunk;";
    String stripped = stripComments(code);
    Matcher m = REFERENCE.matcher(stripped);
    List<String> found = new ArrayList<>();
    while (m.find()) {
      found.add(m.group(1));
    }
    assertEquals(List.of("org.latticefs.cas.chunk.Chunk"), found);
  }
}
