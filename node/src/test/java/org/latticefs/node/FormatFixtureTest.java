package org.latticefs.node;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.DataDirException;
import org.latticefs.node.config.NodeConfig;
import org.latticefs.node.format.FormatStamp;
import org.latticefs.node.format.Migrations;

/**
 * A data directory written through a real mount by the build of commit 9515c70 (format 1, no stamp;
 * {@code src/test/fixtures/make-format1-datadir.sh} made it) opens with this build, migrated, and
 * its mount shows every path as that build showed it: type, mode, size, link count, mtime, content
 * hash, symlink target, xattrs, hard links ({@code format1/manifest.tsv}). Later format changes
 * must keep this green.
 */
class FormatFixtureTest {
  /** One node, no peers: nothing listens. */
  static final NodeConfig NO_MESH = NodeConfig.DEFAULTS.withMeshListen(null);

  @TempDir Path tmp;

  Path extractFixture() throws Exception {
    Path home = Files.createDirectories(tmp.resolve("home"));
    try (InputStream in = FormatFixtureTest.class.getResourceAsStream("/format1/datadir.tar.gz")) {
      Process tar =
          new ProcessBuilder("tar", "-xzf", "-", "-C", home.toString())
              .redirectErrorStream(true)
              .start();
      in.transferTo(tar.getOutputStream());
      tar.getOutputStream().close();
      String out = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(tar.waitFor(60, TimeUnit.SECONDS));
      assertEquals(0, tar.exitValue(), out);
    }
    return home;
  }

  static List<String[]> manifest() throws IOException {
    List<String[]> lines = new ArrayList<>();
    try (InputStream in = FormatFixtureTest.class.getResourceAsStream("/format1/manifest.tsv")) {
      for (String l : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!l.isEmpty()) {
          lines.add(l.split("\t", -1));
        }
      }
    }
    return lines;
  }

  @Test
  void aFormatOneDirectoryOpensMigratedAndEveryPathReadsAsBefore() throws Exception {
    FuseAvailable.require();
    DataDir dir = new DataDir(extractFixture());
    assertFalse(Files.exists(dir.format()), "the fixture predates the stamp");
    Path mnt = tmp.resolve("mnt");
    Daemon d = Daemon.start(dir, NO_MESH, mnt);
    try {
      assertEquals(OptionalInt.of(Migrations.CURRENT), FormatStamp.read(dir));
      assertEquals("rwx------", mode(dir.root()), "the fixture's 0755 home was tightened");
      assertEquals("rwx------", mode(dir.root().resolve("cas")));
      checkTree(mnt);
      assertEquals(
          "made by format 1",
          new String(d.get(null, "/fixture/note").orElseThrow(), StandardCharsets.UTF_8));
      assertArrayEquals(
          "\u0000\u00ff\u0001binary".getBytes(StandardCharsets.ISO_8859_1),
          d.get("docs", "/fixture/binary").orElseThrow());
      assertEquals(List.of("docs", "photos"), d.stores().stream().map(s -> s.name()).toList());
    } finally {
      d.stop();
    }
    // Opened again: current, nothing to migrate, same content.
    d = Daemon.start(dir, NO_MESH, mnt);
    try {
      checkTree(mnt);
    } finally {
      d.stop();
    }
  }

  @Test
  void aFormatNewerThanThisBuildKnowsIsRefusedAndNothingIsTouched() throws Exception {
    DataDir dir = new DataDir(extractFixture());
    FormatStamp.write(dir, Migrations.CURRENT + 1);
    Map<String, String> before = listing(dir.root());
    String expected =
        "the data directory "
            + dir.root()
            + " was made by a newer lattice-fs (format "
            + (Migrations.CURRENT + 1)
            + ", this build knows up to "
            + Migrations.CURRENT
            + "); upgrade lattice-fs to use it";
    DataDirException e =
        assertThrows(DataDirException.class, () -> Daemon.start(dir, NO_MESH, tmp.resolve("mnt")));
    assertEquals(expected, e.getMessage());
    e = assertThrows(DataDirException.class, () -> LocalNode.open(dir));
    assertEquals(expected, e.getMessage());
    assertEquals(before, listing(dir.root()), "not one file created, changed or re-moded");
    assertFalse(Files.exists(tmp.resolve("mnt")));
  }

  /** Every entry under {@code root}: its type, mode, size and mtime (contents of files too). */
  static Map<String, String> listing(Path root) throws Exception {
    Map<String, String> m = new TreeMap<>();
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        m.put(
            root.relativize(p).toString(),
            mode(p)
                + " "
                + Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS)
                + (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) ? " " + sha256(p) : ""));
      }
    }
    return m;
  }

  static String mode(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(
        Files.getPosixFilePermissions(p, LinkOption.NOFOLLOW_LINKS));
  }

  /** Compares the mount with the manifest, line by line, in the manifest's own terms. */
  static void checkTree(Path mnt) throws Exception {
    Map<String, String> expected = new TreeMap<>();
    Map<String, String> xattrsExpected = new TreeMap<>();
    List<String[]> same = new ArrayList<>();
    for (String[] f : manifest()) {
      switch (f[0]) {
        case "entry" -> expected.put(f[7], String.join("\t", List.of(f).subList(1, 7)));
        case "xattr" -> xattrsExpected.merge(f[1], f[2] + "=" + f[3], FormatFixtureTest::sorted);
        case "same" -> same.add(f);
        default -> throw new AssertionError("manifest line " + String.join("\t", f));
      }
    }
    assertEquals(19, expected.size(), "the manifest's entries");
    assertEquals(1, same.size());
    Map<String, String> actual = new TreeMap<>();
    Map<String, String> xattrsActual = new TreeMap<>();
    try (Stream<Path> s = Files.walk(mnt)) {
      for (Path p : (Iterable<Path>) s::iterator) {
        if (p.equals(mnt)) {
          continue;
        }
        String rel = mnt.relativize(p).toString();
        actual.put(rel, describe(p));
        if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
          String x = xattrs(p);
          if (!x.isEmpty()) {
            xattrsActual.put(rel, x);
          }
        }
      }
    }
    assertEquals(expected.keySet(), actual.keySet(), "the same paths");
    for (String path : expected.keySet()) {
      assertEquals(expected.get(path), actual.get(path), path);
    }
    assertEquals(xattrsExpected, xattrsActual, "xattrs");
    for (String[] f : same) {
      assertEquals(
          Files.getAttribute(mnt.resolve(f[1]), "unix:ino"),
          Files.getAttribute(mnt.resolve(f[2]), "unix:ino"),
          f[1] + " and " + f[2] + " are one inode");
    }
  }

  /** TYPE MODE SIZE NLINK MTIME CONTENT as the fixture script writes them (see its header). */
  static String describe(Path p) throws Exception {
    Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
    String mode = Integer.toOctalString((Integer) a.get("mode") & 07777);
    long size = (Long) a.get("size");
    long mtime = Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toMillis() / 1000;
    if (Files.isSymbolicLink(p)) {
      return String.join(
          "\t", "l", "-", Long.toString(size), "-", "-", Files.readSymbolicLink(p).toString());
    }
    if (Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
      return String.join("\t", "d", mode, "-", "-", Long.toString(mtime), "-");
    }
    return String.join(
        "\t",
        "f",
        mode,
        Long.toString(size),
        a.get("nlink").toString(),
        Long.toString(mtime),
        sha256(p));
  }

  static String sha256(Path p) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    try (InputStream in = Files.newInputStream(p)) {
      byte[] buf = new byte[1 << 16];
      for (int n = in.read(buf); n > 0; n = in.read(buf)) {
        md.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(md.digest());
  }

  static String sorted(String a, String b) {
    List<String> all = new ArrayList<>(List.of((a + " " + b).split(" ")));
    all.sort(null);
    return String.join(" ", all);
  }

  /** {@code user.NAME=HEX} for each user xattr, in name order, space-separated. */
  static String xattrs(Path p) throws IOException {
    UserDefinedFileAttributeView v =
        Files.getFileAttributeView(p, UserDefinedFileAttributeView.class);
    List<String> out = new ArrayList<>();
    for (String name : new java.util.TreeSet<>(v.list())) {
      ByteBuffer b = ByteBuffer.allocate(v.size(name));
      v.read(name, b);
      out.add("user." + name + "=" + HexFormat.of().formatHex(b.array(), 0, b.position()));
    }
    return String.join(" ", out);
  }
}
