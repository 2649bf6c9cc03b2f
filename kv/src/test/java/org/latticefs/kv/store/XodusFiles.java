package org.latticefs.kv.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.Stream;

/** Damage for state directories. */
final class XodusFiles {
  private XodusFiles() {}

  static void deleteTree(Path root) throws IOException {
    try (Stream<Path> walk = Files.walk(root)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Overwrites every Xodus data file with a fixed junk pattern. */
  static void scribble(Path stateDir) throws IOException {
    try (Stream<Path> files = Files.list(stateDir)) {
      for (Path f : files.filter(p -> p.toString().endsWith(".xd")).toList()) {
        byte[] junk = new byte[(int) Files.size(f)];
        Arrays.fill(junk, (byte) 0x5a);
        Files.write(f, junk);
      }
    }
  }
}
