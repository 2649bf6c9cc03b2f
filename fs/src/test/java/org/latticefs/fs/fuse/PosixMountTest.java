package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.fuse.MountFixture.sh;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.TestStores;

/**
 * Through a real mount, with shell tools: names are bytes (issue 10 item 1), special files (item
 * 10), ENAMETOOLONG (item 11), directory link counts and sizes, ctime on rename, {@code df} (item
 * 12), {@code touch -m} and {@code touch -a} (item 13), {@code df -i}. Everything also survives a
 * remount.
 */
class PosixMountTest {
  /** {@code caf\xe9.txt} (Latin-1), {@code caf\xe8.txt}, {@code café.txt} (UTF-8), 255 bytes. */
  private static final String NAMES =
      "$'caf\\xe9.txt' $'caf\\xe8.txt' $'caf\\xc3\\xa9.txt' \"$(printf 'x%.0s' $(seq 200))$(printf '\\xe9%.0s' $(seq 55))\"";

  @TempDir Path dir;
  private MountFixture m;

  @BeforeEach
  void mount() throws IOException {
    m = new MountFixture(dir, TestStores.open(dir.resolve("kv")));
    Files.createDirectory(m.mnt.resolve("docs"));
  }

  @AfterEach
  void unmount() throws IOException {
    if (m != null) {
      m.close();
    }
  }

  private void remount() throws IOException {
    m.close();
    m = new MountFixture(dir, TestStores.open(dir.resolve("kv")));
  }

  private String bash(String script) throws IOException {
    return sh(m.mnt.resolve("docs"), script);
  }

  /** The names in the store's folder, each as hex bytes, sorted. */
  private String namesAsHex(String folder) throws IOException {
    return bash(
        "for n in "
            + folder
            + "/*; do printf '%s' \"${n##*/}\" | od -An -v -tx1 | tr -d ' \\n'; echo; done | sort");
  }

  /** pjdfstest unlink/14.t #4: an open file's link count is 0 once its only name is gone. */
  @Test
  void anOpenFileWhoseNameIsGoneHasNoLinksAndItsBytes() throws Exception {
    Path f = m.mnt.resolve("docs").resolve("open-unlinked");
    Files.writeString(f, "Hello");
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(f)) {
      Files.delete(f);
      Thread.sleep(1100); // past the attribute timeout: the kernel asks the daemon again
      assertEquals(
          0, (Integer) Files.getAttribute(Path.of("/proc/self/fd/" + fdOf(ch)), "unix:nlink"));
      java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(5);
      assertEquals(5, ch.read(b, 0));
    }
  }

  /** The descriptor number of {@code ch}, found through {@code /proc/self/fd}. */
  private static int fdOf(java.nio.channels.FileChannel ch) throws IOException {
    try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      for (Path fd : fds.toList()) {
        try {
          if (Files.readSymbolicLink(fd).toString().endsWith("open-unlinked (deleted)")) {
            return Integer.parseInt(fd.getFileName().toString());
          }
        } catch (IOException gone) {
          // a descriptor closed meanwhile
        }
      }
    }
    throw new IOException("no descriptor for the unlinked file");
  }

  @Test
  void namesThatAreNotUtf8AreDistinctFilesAndSurviveARemount() throws IOException {
    bash("i=0; for n in " + NAMES + "; do i=$((i+1)); echo \"file $i\" > \"$n\"; done");
    String hex = namesAsHex(".");
    assertEquals(
        String.join(
            "\n",
            "636166c3a92e747874", // café.txt, UTF-8
            "636166e82e747874", // caf\xe8.txt
            "636166e92e747874", // caf\xe9.txt
            "78".repeat(200) + "e9".repeat(55)),
        hex.strip(),
        "four distinct names, every byte kept");
    String contents = bash("for n in " + NAMES + "; do cat \"$n\"; done");
    assertEquals("file 1\nfile 2\nfile 3\nfile 4\n", contents);
    // Rename, symlink target and xattr name keep their bytes too.
    bash(
        "mv $'caf\\xe8.txt' $'\\xff\\xfe'; ln -s $'caf\\xe9.txt' link;"
            + " setfattr -n $'user.\\xe9' -v one $'\\xff\\xfe'");
    assertEquals(
        "636166e92e747874", bash("readlink link | head -c -1 | od -An -tx1 | tr -d ' \\n'"));
    assertEquals("file 1\n", bash("cat link"));
    assertEquals(
        "one", bash("getfattr --only-values -n $'user.\\xe9' $'\\xff\\xfe'"), "by its bytes");
    assertTrue(
        bash("getfattr --only-values -n $'user.\\xe8' $'\\xff\\xfe' 2>&1 || true")
            .contains("No such attribute"),
        "another byte is another name");
    remount();
    assertEquals("file 2\n", bash("cat $'\\xff\\xfe'"));
    assertEquals("file 1\n", bash("cat link"));
    assertEquals(
        "file 4\n", bash("cat \"$(printf 'x%.0s' $(seq 200))$(printf '\\xe9%.0s' $(seq 55))\""));
    assertEquals(5, namesAsHex(".").strip().split("\n").length);
  }

  @Test
  void rsyncOfALatin1FolderKeepsEveryFile() throws IOException {
    Path src = Files.createDirectories(dir.resolve("latin1"));
    sh(src, "i=0; for n in " + NAMES + "; do i=$((i+1)); echo \"file $i\" > \"$n\"; done");
    sh(src, "mkdir $'r\\xe9sum\\xe9s' && echo cv > $'r\\xe9sum\\xe9s/cv-\\xe0.txt'");
    Path store = m.mnt.resolve("docs");
    sh(dir, "rsync -a " + src + "/ " + store + "/copy/ && diff -r " + src + " " + store + "/copy");
    assertEquals(5, namesAsHex("copy").strip().split("\n").length, "4 files and the folder");
    assertEquals("", bash("rsync -a --dry-run --itemize-changes " + src + "/ copy/"));
  }

  @Test
  void fifosSocketsAndDeviceNodesAreMadeAndServedByTheKernel() throws IOException {
    bash(
        "mkfifo pipe && mknod chr c 1 3 && mknod blk b 8 1 &&"
            + " perl -MIO::Socket::UNIX -e 'IO::Socket::UNIX->new(Local => \"sock\", Listen => 1)"
            + " or die $!'");
    assertEquals(
        "blk block special file 8,1\nchr character special file 1,3\n"
            + "pipe fifo 0,0\nsock socket 0,0\n",
        bash("for n in blk chr pipe sock; do stat -c '%n %F %t,%T' $n; done"));
    // The kernel serves the FIFO: a writer and a reader meet through it.
    assertEquals("through the pipe\n", bash("(echo 'through the pipe' > pipe &) ; cat pipe"));
    remount();
    assertEquals("block special file\n", bash("stat -c %F blk"));
    bash("rm pipe chr blk sock");
  }

  @Test
  void namesOver255BytesAreTooLongEvenForRename() throws IOException {
    String n255 = "$(printf 'a%.0s' $(seq 255))";
    String n256 = "$(printf 'a%.0s' $(seq 256))";
    String n300 = "$(printf 'b%.0s' $(seq 300))";
    bash("touch \"" + n255 + "\" && touch f");
    for (String op :
        new String[] {
          "touch \"" + n256 + "\"",
          "mkdir \"" + n256 + "\"",
          "stat \"" + n256 + "\"",
          "ln -s f \"" + n256 + "\"",
          "ln f \"" + n256 + "\"",
          "mv f \"" + n300 + "\"",
          "mkfifo \"" + n256 + "\""
        }) {
      String out = bash(op + " 2>&1 || true");
      assertTrue(out.contains("File name too long"), op + ": " + out);
    }
    assertEquals("f\n", bash("ls f"), "the failed rename changed nothing");
  }

  @Test
  void statShowsDirectoryLinksSizesAndRenameCtime() throws IOException {
    bash("mkdir -p a/b a/c a/d && touch a/file");
    assertEquals("5 4096\n", bash("stat -c '%h %s' a"));
    assertEquals("2\n", bash("stat -c %h a/b"));
    assertEquals("3\n", bash("stat -c %h ."), "the store's root holds a");
    // find relies on the counts: -links 2 finds the leaf directories.
    assertEquals("./a/b\n./a/c\n./a/d\n", bash("find . -type d -links 2 | sort"));
    bash("touch -d @1000000000 a/file");
    String before = bash("stat -c %Z a/file");
    bash("sleep 1.1; mv a/file a/moved");
    long ctime = Long.parseLong(bash("stat -c %Z a/moved").strip());
    assertTrue(ctime > Long.parseLong(before.strip()), "rename changed the ctime");
    assertEquals("1000000000\n", bash("stat -c %Y a/moved"), "but not the mtime");
    remount();
    assertEquals("5\n", bash("stat -c %h a"));
  }

  @Test
  void touchSetsOneTimeAndLeavesTheOther() throws IOException {
    bash("touch -d @1000000000 f");
    bash("touch -m -d @1200000000 f");
    assertEquals("1000000000 1200000000\n", bash("stat -c '%X %Y' f"));
    bash("touch -a -d @1100000000 f");
    assertEquals("1100000000 1200000000\n", bash("stat -c '%X %Y' f"));
    // tar's extract sets mtimes the same way.
    bash("mkdir t && touch -d @1300000000 t/x && tar cf t.tar t && rm -r t && tar xf t.tar");
    assertEquals("1300000000\n", bash("stat -c %Y t/x"));
  }

  @Test
  void dfMinusIShowsTheInodesInUse() throws IOException {
    bash("for i in $(seq 50); do touch f$i; done && mkdir d");
    long[] df = longs(bash("stat -f -c '%c %d' ."));
    assertTrue(df[0] - df[1] >= 52, "the store root, 50 files and d are in use: " + df[0]);
    assertTrue(df[1] > 0, "and more can be made");
  }

  private static long[] longs(String s) {
    String[] f = s.strip().split(" ");
    long[] out = new long[f.length];
    for (int i = 0; i < f.length; i++) {
      out[i] = Long.parseLong(f[i]);
    }
    return out;
  }
}
