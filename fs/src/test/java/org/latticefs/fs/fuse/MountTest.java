package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.fuse.MountFixture.sh;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.FsFixture;
import org.latticefs.fs.core.TestStores;

/** Mounts for real and drives the mount through java.nio.file and shell tools. */
class MountTest {
  @TempDir static Path dir;
  static MountFixture m;
  static Path store;

  @BeforeAll
  static void mount() throws IOException {
    m = new MountFixture(dir, TestStores.open(dir.resolve("kv")));
    store = m.mnt.resolve("docs");
    Files.createDirectory(store);
  }

  @AfterAll
  static void unmount() throws IOException {
    if (m != null) {
      m.close();
      assertFalse(FuseMount.isMounted(m.mnt), "unmount waited until the mount was gone");
    }
  }

  @Test
  void storesAreTopLevelFolders() throws IOException {
    Files.createDirectory(m.mnt.resolve("photos"));
    try (Stream<Path> s = Files.list(m.mnt)) {
      assertTrue(s.map(p -> p.getFileName().toString()).toList().contains("photos"));
    }
    assertTrue(m.stores.findStore("photos").isPresent());
    Files.delete(m.mnt.resolve("photos"));
    assertTrue(m.stores.findStore("photos").isEmpty());
    assertThrows(IOException.class, () -> Files.writeString(m.mnt.resolve("loose"), "x"));
  }

  @Test
  void nioWriteReadRenameTruncateUnlinkMkdirSymlinkXattr() throws IOException {
    Path d = Files.createDirectories(store.resolve("nio/sub"));
    Path a = d.resolve("a.txt");
    Files.writeString(a, "hello lattice");
    assertEquals("hello lattice", Files.readString(a));
    Path b = d.resolve("b.txt");
    Files.move(a, b);
    assertFalse(Files.exists(a));
    assertEquals("hello lattice", Files.readString(b));
    try (FileChannel ch = FileChannel.open(b, StandardOpenOption.WRITE)) {
      ch.truncate(5);
    }
    assertEquals("hello", Files.readString(b));
    Files.writeString(b, " world", StandardOpenOption.APPEND);
    assertEquals("hello world", Files.readString(b));
    Path link = d.resolve("link");
    Files.createSymbolicLink(link, Path.of("b.txt"));
    assertEquals(Path.of("b.txt"), Files.readSymbolicLink(link));
    assertEquals("hello world", Files.readString(link));
    UserDefinedFileAttributeView x =
        Files.getFileAttributeView(b, UserDefinedFileAttributeView.class);
    x.write("color", ByteBuffer.wrap("blue".getBytes(StandardCharsets.UTF_8)));
    assertEquals(List.of("color"), x.list());
    ByteBuffer v = ByteBuffer.allocate(16);
    x.read("color", v);
    assertEquals("blue", new String(v.array(), 0, v.position(), StandardCharsets.UTF_8));
    Files.setPosixFilePermissions(b, PosixFilePermissions.fromString("rw-------"));
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(b)));
    assertThrows(FileAlreadyExistsException.class, () -> Files.createDirectory(d));
    assertThrows(DirectoryNotEmptyException.class, () -> Files.delete(d));
    assertThrows(NoSuchFileException.class, () -> Files.readString(d.resolve("nope")));
    Files.copy(b, d.resolve("c.txt"), StandardCopyOption.REPLACE_EXISTING);
    Files.move(d.resolve("c.txt"), b, StandardCopyOption.REPLACE_EXISTING);
    Files.delete(b);
    Files.delete(link);
    Files.delete(d);
    assertFalse(Files.exists(d));
  }

  @Test
  void unlinkedOpenFileStaysReadableThroughTheMount() throws IOException {
    Path p = store.resolve("open-unlinked.bin");
    byte[] data = FsFixture.random(1 << 20, 11);
    Files.write(p, data);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
      Files.delete(p);
      ByteBuffer buf = ByteBuffer.allocate(data.length);
      while (buf.hasRemaining() && ch.read(buf) > 0) {}
      assertArrayEquals(data, buf.array());
    }
  }

  @Test
  void shellToolsCpRsyncTarAndXattrs() throws IOException {
    Path src = Files.createDirectories(dir.resolve("src/tree/deep/er"));
    for (int i = 0; i < 20; i++) {
      Files.write(src.resolve("f" + i), FsFixture.random(i * 5000, i));
    }
    Files.write(dir.resolve("src/tree/big.bin"), FsFixture.random(3 << 20, 99));
    Files.createSymbolicLink(dir.resolve("src/tree/ln"), Path.of("big.bin"));
    Path s = dir.resolve("src");
    sh(s, "cp -r tree " + store + "/cp && diff -r tree " + store + "/cp");
    sh(s, "rsync -a tree/ " + store + "/rs/ && diff -r tree " + store + "/rs");
    sh(s, "rsync -a --checksum --dry-run --itemize-changes tree/ " + store + "/rs/ | (! grep .)");
    sh(
        s,
        "tar cf t.tar tree && mkdir "
            + store
            + "/tx && tar xf t.tar -C "
            + store
            + "/tx && diff -r tree "
            + store
            + "/tx/tree");
    sh(
        s,
        "cp -a tree/big.bin "
            + store
            + "/p.bin && test \"$(stat -c %Y tree/big.bin)\" = \"$(stat -c %Y "
            + store
            + "/p.bin)\"");
    sh(s, "setfattr -n user.tag -v hello " + store + "/p.bin");
    String got = sh(s, "getfattr --absolute-names --only-values -n user.tag " + store + "/p.bin");
    assertEquals("hello", got.strip());
    String missing = sh(s, "getfattr -n user.nope " + store + "/p.bin 2>&1 || true");
    assertTrue(missing.contains("No such attribute"), missing);
    sh(s, "setfattr -x user.tag " + store + "/p.bin && ! getfattr -n user.tag " + store + "/p.bin");
    sh(s, "ln " + store + "/p.bin " + store + "/hard && test $(stat -c %h " + store + "/hard) = 2");
    sh(s, "mv " + store + "/cp " + store + "/moved && test -f " + store + "/moved/deep/er/f19");
    sh(
        s,
        "rm -rf "
            + store
            + "/moved "
            + store
            + "/rs "
            + store
            + "/tx && test ! -e "
            + store
            + "/rs");
  }

  @Test
  void gitCloneIntoTheMountIsClean() throws IOException {
    Path repo = Files.createDirectories(dir.resolve("repo"));
    sh(
        repo,
        "git init -q -b main . && git config user.email t@example.org && git config user.name t\n"
            + "for i in $(seq 1 30); do mkdir -p d$((i % 5)); head -c $((i * 3000)) /dev/urandom > d$((i % 5))/f$i; done\n"
            + "printf '#!/bin/sh\\necho hi\\n' > run.sh && chmod +x run.sh && ln -s run.sh runlink\n"
            + "git add -A && git commit -qm one && echo more >> d1/f1 && git commit -qam two");
    sh(dir, "git clone -q " + repo + " " + store + "/clone");
    String status =
        sh(
            store.resolve("clone"),
            "git status --porcelain && git fsck --no-progress 2>&1 | (! grep -i error)");
    assertEquals("", status.strip());
    sh(
        store.resolve("clone"),
        "test -x run.sh && test \"$(readlink runlink)\" = run.sh && git log --oneline | wc -l | grep -q 2");
    sh(
        store.resolve("clone"),
        "echo change >> d2/f2 && git commit -qam three && git gc -q && git status --porcelain | (! grep .)");
  }

  @Test
  void statfsReportsCapacity() throws IOException {
    String out = sh(dir, "stat -f -c '%b %f %S' " + store);
    String[] f = out.strip().split(" ");
    assertTrue(Long.parseLong(f[0]) > 0 && Long.parseLong(f[1]) > 0, out);
  }
}
