package org.latticefs.fs.fuse.libfuse;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real FUSE mounts of {@link MemoryRawFs} through the binding, driven from the shell: names that
 * are not UTF-8 keep their bytes end to end, {@code touch -m} reaches the filesystem with atime
 * omitted, the caller's identity arrives, and mounts end the way {@link LibfuseMount} says.
 */
class LibfuseMountTest {
  private static final String OPTIONS = "use_ino,fsname=bytes-test,subtype=bytes-test";

  @TempDir Path tmp;
  private Path mnt;
  private MemoryRawFs fs;
  private LibfuseMount mount;

  @BeforeEach
  void mountIt() throws IOException {
    Shell.requireFuse();
    mnt = tmp.resolve("mnt");
    fs = new MemoryRawFs();
  }

  @AfterEach
  void unmountIt() throws IOException {
    if (mount != null) {
      mount.unmount();
    }
    if (mnt != null && Shell.isMountPoint(mnt)) {
      Shell.run(tmp, "fusermount -u " + mnt);
    }
  }

  private void mount(MountOptions options) throws IOException {
    mount = LibfuseMount.mount(fs, mnt, options);
  }

  private void mount() throws IOException {
    mount(MountOptions.of(OPTIONS));
  }

  /** {@code s} with each char as one byte (write non-UTF-8 bytes as {@code \u00e9} etc.). */
  private static byte[] b(String s) {
    return s.getBytes(ISO_8859_1);
  }

  private static byte[] path(String s) {
    return b("/" + s);
  }

  /** The names {@code ls} prints in {@code dir}, read back through {@code od} as bytes. */
  private List<byte[]> lsThroughOd(String dir) throws IOException {
    String hex = new String(Shell.ok(mnt, "ls -1 -U " + dir + " | od -An -v -tx1"), ISO_8859_1);
    byte[] all = hexBytes(hex);
    List<byte[]> names = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < all.length; i++) {
      if (all[i] == '\n') {
        names.add(Arrays.copyOfRange(all, start, i));
        start = i + 1;
      }
    }
    names.sort(Arrays::compareUnsigned);
    return names;
  }

  private static byte[] hexBytes(String od) {
    String[] tokens = od.trim().split("\\s+");
    if (tokens.length == 1 && tokens[0].isEmpty()) {
      return new byte[0];
    }
    byte[] out = new byte[tokens.length];
    for (int i = 0; i < tokens.length; i++) {
      out[i] = (byte) Integer.parseInt(tokens[i], 16);
    }
    return out;
  }

  private static void assertSameNames(List<byte[]> expected, List<byte[]> actual) {
    List<byte[]> e = new ArrayList<>(expected);
    e.sort(Arrays::compareUnsigned);
    List<byte[]> a = new ArrayList<>(actual);
    a.sort(Arrays::compareUnsigned);
    assertEquals(e.size(), a.size(), "number of names");
    for (int i = 0; i < e.size(); i++) {
      assertArrayEquals(e.get(i), a.get(i), "name " + i);
    }
  }

  @Test
  void namesThatAreNotUtf8KeepTheirBytesBothWays() throws IOException {
    mount();
    Shell.ok(
        mnt,
        "touch $'caf\\xe9.txt' $'caf\\xe8.txt' \"$(printf '\\xff%.0s' {1..255})\"\n"
            + "echo latin1 > $'caf\\xe9.txt'");
    byte[] ff255 = new byte[255];
    Arrays.fill(ff255, (byte) 0xff);
    List<byte[]> expected = List.of(b("caf\u00e9.txt"), b("caf\u00e8.txt"), ff255);

    assertSameNames(expected, fs.names(b("/")));
    assertSameNames(expected, lsThroughOd("."));
    assertEquals(7, fs.node(path("caf\u00e9.txt")).data.length, "written under its own name");
    assertEquals(0, fs.node(path("caf\u00e8.txt")).data.length, "the other name is untouched");
    assertEquals("latin1\n", new String(Shell.ok(mnt, "cat $'caf\\xe9.txt'"), ISO_8859_1));
    Shell.Result tooLong = Shell.run(mnt, "touch \"$(printf '\\xff%.0s' {1..256})\"");
    assertNotEquals(0, tooLong.exit());
    assertTrue(tooLong.stderr().contains("File name too long"), tooLong.stderr());
  }

  @Test
  void renameMovesTheExactBytes() throws IOException {
    mount();
    Shell.ok(
        mnt,
        "mkdir $'d\\xe9' && echo x > $'caf\\xe9.txt' && mv $'caf\\xe9.txt' $'d\\xe9/\\xfe\\xfd'");
    assertSameNames(List.of(b("d\u00e9")), fs.names(b("/")));
    assertSameNames(List.of(b("\u00fe\u00fd")), fs.names(b("/d\u00e9")));
    assertSameNames(List.of(b("\u00fe\u00fd")), lsThroughOd("$'d\\xe9'"));
    assertEquals(2, fs.node(b("/d\u00e9/\u00fe\u00fd")).data.length);
  }

  @Test
  void symlinkTargetThatIsNotUtf8RoundTrips() throws IOException {
    mount();
    Shell.ok(mnt, "ln -s $'tar\\xe9get/\\xff' $'lnk\\xe9'");
    byte[] target = b("tar\u00e9get/\u00ff");
    assertArrayEquals(target, fs.node(path("lnk\u00e9")).target);
    byte[] back =
        hexBytes(new String(Shell.ok(mnt, "readlink $'lnk\\xe9' | od -An -v -tx1"), ISO_8859_1));
    assertArrayEquals(
        target, Arrays.copyOf(back, back.length - 1), "readlink, without its newline");
  }

  @Test
  void xattrNameThatIsNotUtf8RoundTrips() throws IOException {
    mount();
    Shell.ok(mnt, "touch f && setfattr -n $'user.caf\\xe9' -v 0x00ff10 f");
    MemoryRawFs.Node f = fs.node(path("f"));
    assertArrayEquals(
        new byte[] {0, (byte) 0xff, 0x10}, f.xattrs.get(new MemoryRawFs.Name(b("user.caf\u00e9"))));
    byte[] value =
        hexBytes(
            new String(
                Shell.ok(mnt, "getfattr --only-values -n $'user.caf\\xe9' f | od -An -v -tx1"),
                ISO_8859_1));
    assertArrayEquals(new byte[] {0, (byte) 0xff, 0x10}, value);
    String listing = new String(Shell.ok(mnt, "getfattr -d -m - -e hex f"), ISO_8859_1);
    assertTrue(listing.contains("user.caf\u00e9=0x00ff10"), listing);
    assertNotEquals(0, Shell.run(mnt, "getfattr -n $'user.caf\\xe8' f").exit(), "one byte apart");
    Shell.ok(mnt, "setfattr -x $'user.caf\\xe9' f");
    assertTrue(f.xattrs.isEmpty());
  }

  @Test
  void touchMinusMSetsMtimeAndOmitsAtime() throws IOException {
    mount();
    String out =
        new String(
            Shell.ok(
                mnt,
                "touch f && touch -a -d '2000-01-01 00:00:00' f && stat -c %X f\n"
                    + "touch -m -d '2001-02-03 04:05:06' f && stat -c '%X %Y' f\n"
                    + "date -d '2001-02-03 04:05:06' +%s"),
            ISO_8859_1);
    String[] lines = out.strip().split("\n");
    long atime = Long.parseLong(lines[0]);
    long expectedMtime = Long.parseLong(lines[2]);
    assertEquals(atime + " " + expectedMtime, lines[1], "atime kept, mtime set");

    List<MemoryRawFs.UtimensCall> calls = new ArrayList<>(fs.utimensCalls);
    MemoryRawFs.UtimensCall last = calls.get(calls.size() - 1);
    assertArrayEquals(path("f"), last.path());
    assertTrue(last.atime().isOmit(), "atime arrives as UTIME_OMIT: " + last.atime());
    assertEquals(new TimeSpec(expectedMtime, 0), last.mtime());
    MemoryRawFs.UtimensCall touchA = calls.get(calls.size() - 2);
    assertTrue(touchA.mtime().isOmit(), "touch -a omits mtime: " + touchA.mtime());
  }

  @Test
  void bytesWrittenReadBackIdentical() throws IOException {
    mount(MountOptions.of(OPTIONS + ",big_writes,max_write=131072"));
    Shell.ok(
        tmp,
        "head -c 1000003 /dev/urandom > src && cp src mnt/big && cmp src mnt/big\n"
            + "dd if=src of=mnt/big bs=4096 seek=10 count=3 conv=notrunc status=none\n"
            + "dd if=src bs=4096 count=3 status=none | cmp - <(dd if=mnt/big bs=4096 skip=10 count=3 status=none)");
    assertEquals(1000003, fs.node(path("big")).data.length);
  }

  @Test
  void largeDirectoryIsListedInPages() throws IOException {
    mount();
    Shell.ok(mnt, "mkdir d && cd d && for i in $(seq 1 3000); do : > $'\\xe9'$i; done");
    assertEquals("3000", new String(Shell.ok(mnt, "ls -1 -U d | wc -l"), ISO_8859_1).strip());
    assertEquals(
        "3000",
        new String(Shell.ok(mnt, "find d -mindepth 1 -type f | wc -l"), ISO_8859_1).strip());
    assertEquals(3000, fs.names(b("/d")).size());
  }

  @Test
  void callerIdentityAndUmaskReachTheFilesystem() throws IOException {
    mount(MountOptions.of(OPTIONS + ",allow_other,default_permissions"));
    Shell.ok(mnt, "mkdir shared && chmod 1777 shared");
    Shell.ok(
        mnt,
        "setpriv --reuid=1234 --regid=4321 --clear-groups bash -c 'umask 027; touch shared/x' && stat -c '%u %g' shared/x");
    MemoryRawFs.Creation x =
        new ArrayList<>(fs.creations)
            .stream()
                .filter(c -> Arrays.equals(c.path(), b("/shared/x")))
                .findFirst()
                .orElseThrow();
    assertEquals(1234, x.context().uid());
    assertEquals(4321, x.context().gid());
    assertEquals(027, x.context().umask());
    assertTrue(x.context().pid() > 0, "pid " + x.context().pid());
    assertEquals(
        "1234 4321", new String(Shell.ok(mnt, "stat -c '%u %g' shared/x"), ISO_8859_1).strip());
  }

  @Test
  void anExceptionBecomesEioAndTheMountGoesOn() throws IOException {
    mount();
    Shell.Result r = Shell.run(mnt, "stat a.throws");
    assertNotEquals(0, r.exit());
    assertTrue(r.stderr().contains("Input/output error"), r.stderr());
    Shell.ok(mnt, "touch fine && ls fine");
  }

  @Test
  void unimplementedOperationsAreEnosysFromLibfuse() throws IOException {
    fs = null;
    RawFileSystem rootOnly =
        new RawFileSystem() {
          @Override
          public int getattr(byte[] path, Stat stat) {
            if (path.length == 1) {
              stat.setMode(Stat.S_IFDIR | 0755).setNlink(2);
              return 0;
            }
            return -MemoryRawFs.ENOENT;
          }
        };
    mount = LibfuseMount.mount(rootOnly, mnt, MountOptions.of(OPTIONS));
    Shell.Result r = Shell.run(mnt, "mkdir d");
    assertNotEquals(0, r.exit());
    assertTrue(r.stderr().contains("Function not implemented"), r.stderr());
  }

  @Test
  void nullpathOkLetsAnUnlinkedOpenFileBeWritten() throws IOException {
    mount(MountOptions.of(OPTIONS + ",hard_remove"));
    Shell.ok(mnt, "exec 3>f && rm f && echo still-open >&3 && exec 3>&-");
    List<byte[]> paths = new ArrayList<>(fs.writePaths);
    assertEquals(1, paths.size());
    assertNull(paths.get(0), "the file has no name any more");
  }

  @Test
  void nopathHandsOpenFileOperationsNoPath() throws IOException {
    mount(MountOptions.of(OPTIONS));
    Shell.ok(mnt, "echo a > f");
    assertArrayEquals(path("f"), new ArrayList<>(fs.writePaths).get(0), "paths by default");
    mount.unmount();
    fs = new MemoryRawFs();
    mount(MountOptions.of(OPTIONS).withNopath(true));
    Shell.ok(mnt, "echo a > f");
    assertNull(new ArrayList<>(fs.writePaths).get(0), "no path with nopath");
  }

  @Test
  void unmountWaitsForDestroy() throws IOException {
    mount();
    Shell.ok(mnt, "touch f");
    assertTrue(fs.initialized);
    assertTrue(Shell.isMountPoint(mnt));
    mount.unmount();
    assertTrue(fs.destroyed, "destroy ran before unmount returned");
    assertFalse(mount.isRunning());
    assertFalse(Shell.isMountPoint(mnt));
    mount.unmount(); // again: nothing to do
  }

  @Test
  void unmountFromOutsideEndsTheMount() throws IOException {
    mount();
    Shell.ok(mnt, "touch f");
    Shell.ok(tmp, "fusermount -u mnt");
    assertTrue(mount.awaitTermination(Duration.ofSeconds(30)));
    assertTrue(fs.destroyed);
    assertFalse(Shell.isMountPoint(mnt));
  }

  @Test
  void busyMountIsNotUnmounted() throws IOException {
    mount();
    Shell.ok(mnt, "mkdir d");
    Process holder = new ProcessBuilder("sleep", "60").directory(mnt.resolve("d").toFile()).start();
    try {
      IOException e = assertThrows(IOException.class, mount::unmount);
      assertTrue(e.getMessage().contains("busy"), e.getMessage());
      assertTrue(mount.isRunning());
      Shell.ok(mnt, "touch still-served");
    } finally {
      holder.destroyForcibly();
      waitFor(holder);
    }
  }

  @Test
  void mountFailuresAreReportedAtOnce() throws IOException {
    Files.writeString(tmp.resolve("file"), "not a directory");
    assertThrows(
        IOException.class, () -> LibfuseMount.mount(fs, tmp.resolve("file"), MountOptions.of("")));
    IOException bad =
        assertThrows(
            IOException.class,
            () -> LibfuseMount.mount(fs, mnt, MountOptions.of("no_such_option_here")));
    assertNotNull(bad.getMessage());
    assertFalse(Shell.isMountPoint(mnt), "nothing left mounted");
    assertThrows(
        IllegalArgumentException.class,
        () -> new MountOptions(List.of("-f"), 1, false),
        "fuse_main's options are refused");
  }

  @Test
  void aProcessThatEndsWhileMountedLeavesADeadMountNoHookUnmounts() throws Exception {
    for (boolean sigkill : new boolean[] {false, true}) {
      Process child = MountChild.start(mnt);
      try {
        Shell.ok(mnt, "touch f");
        if (sigkill) {
          child.destroyForcibly();
        } else {
          child.destroy(); // SIGTERM: the JVM runs its shutdown hooks, and there is none of ours
        }
        waitFor(child);
        assertTrue(
            Shell.isMountPoint(mnt),
            "the mount is left (sigkill "
                + sigkill
                + ", exit "
                + child.exitValue()
                + "): "
                + Files.readString(Path.of("/proc/self/mountinfo")));
        Shell.Result probe = Shell.run(mnt.getParent(), "stat mnt/never-looked-up");
        assertTrue(
            probe.stderr().contains("Transport endpoint is not connected"),
            "dead (sigkill " + sigkill + "): " + probe.stderr());
      } finally {
        child.destroyForcibly();
        Shell.run(tmp, "fusermount -u mnt");
      }
      assertFalse(Shell.isMountPoint(mnt));
    }
  }

  private static void waitFor(Process p) throws IOException {
    try {
      if (!p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)) {
        throw new IOException("process did not end");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    }
  }
}
