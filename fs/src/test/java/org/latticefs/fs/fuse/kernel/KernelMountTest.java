package org.latticefs.fs.fuse.kernel;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.fuse.FuseMount;
import org.latticefs.fs.fuse.Mounts;
import org.latticefs.fs.fuse.libfuse.ChildJvm;

/**
 * Real mounts of {@link MemoryInodeFs} through the direct binding: the common operations end to
 * end, 1 MiB writes, FORGET returning lookup counts, notifications, busy and external unmounts, and
 * what a killed daemon leaves behind.
 */
class KernelMountTest {
  @TempDir Path tmp;
  private Path mnt;
  private MemoryInodeFs fs;
  private KernelMount mount;

  @BeforeEach
  void setUp() throws IOException {
    boolean ci = "true".equals(System.getenv("CI"));
    boolean root = "root".equals(System.getProperty("user.name"));
    boolean fuse = Files.exists(Path.of("/dev/fuse"));
    if (ci) {
      assertTrue(root && fuse, "mount tests need root and /dev/fuse");
    }
    assumeTrue(root && fuse, "mount tests need root and /dev/fuse");
    mnt = Files.createDirectory(tmp.resolve("mnt"));
    fs = new MemoryInodeFs(true);
  }

  @AfterEach
  void tearDown() throws IOException {
    if (mount != null) {
      mount.unmount();
    }
    if (mnt != null && FuseMount.isMounted(mnt)) {
      Mounts.fusermountUnmount(mnt, true);
    }
  }

  private void mount(KernelOptions options) throws IOException {
    mount = KernelMount.mount(fs, mnt, options);
  }

  @Test
  void filesDirectoriesAndLinksWorkEndToEnd() throws IOException {
    mount(KernelOptions.defaults("ktest"));
    assertEquals("fuse.ktest", Mounts.at(mnt).orElseThrow().fsType());
    Path dir = Files.createDirectory(mnt.resolve("dir"));
    byte[] data = new byte[3 << 20];
    new Random(7).nextBytes(data);
    Files.write(dir.resolve("f"), data);
    assertArrayEquals(data, Files.readAllBytes(dir.resolve("f")));
    assertEquals(data.length, Files.size(dir.resolve("f")));
    Files.move(dir.resolve("f"), mnt.resolve("g"));
    Files.createSymbolicLink(mnt.resolve("link"), Path.of("g"));
    assertEquals(Path.of("g"), Files.readSymbolicLink(mnt.resolve("link")));
    try (Stream<Path> s = Files.list(mnt)) {
      assertEquals(
          List.of("dir", "g", "link"), s.map(p -> p.getFileName().toString()).sorted().toList());
    }
    Files.delete(dir);
    Files.delete(mnt.resolve("g"));
    assertFalse(Files.exists(mnt.resolve("g"), LinkOption.NOFOLLOW_LINKS));
  }

  @Test
  void writesArriveInOneMebibyteRequests() throws IOException {
    mount(KernelOptions.defaults("ktest"));
    assertEquals(1 << 20, mount.connection().maxWrite());
    try (FileChannel ch =
        FileChannel.open(mnt.resolve("big"), StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
      ByteBuffer data = ByteBuffer.allocateDirect(4 << 20);
      while (data.hasRemaining()) {
        ch.write(data);
      }
    }
    assertEquals(1 << 20, fs.largestWrite());
  }

  @Test
  void forgetGivesBackEveryLookup() throws Exception {
    mount(KernelOptions.defaults("ktest"));
    for (int i = 0; i < 50; i++) {
      Files.write(mnt.resolve("f" + i), new byte[] {1});
      Files.size(mnt.resolve("f" + i));
    }
    try (Stream<Path> s = Files.list(mnt)) { // readdirplus takes references too
      assertEquals(50, s.count());
    }
    long node = fs.nodeOf("f7".getBytes(UTF_8));
    assertTrue(fs.lookupCount(node) > 0);
    Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "2"); // the kernel drops its inodes
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (fs.lookupCount(node) != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, fs.lookupCount(node));
    assertEquals(1, Files.readAllBytes(mnt.resolve("f7")).length); // looked up anew
  }

  /** Long timeouts: without a notification, the kernel would not ask again during the test. */
  private void mountCachingFiveMinutes() throws IOException {
    mount(
        KernelOptions.defaults("ktest")
            .withTimeouts(new Timeouts(Duration.ofMinutes(5), Duration.ofMinutes(5))));
  }

  @Test
  void aChangeBehindTheKernelsBackShowsAfterTheNotification() throws IOException {
    mountCachingFiveMinutes();
    Path f = mnt.resolve("shared");
    Files.writeString(f, "old");
    assertEquals("old", Files.readString(f));
    assertEquals(3, Files.size(f)); // a read drops the cached atime: fetch the attributes again
    long node = fs.nodeOf("shared".getBytes(UTF_8));
    fs.setContent(node, "new from a peer".getBytes(UTF_8));
    assertEquals(3, Files.size(f), "the kernel still has the old attributes cached");
    assertEquals(0, mount.notifier().invalidateInode(node, 0, 0));
    assertEquals("new from a peer", Files.readString(f));
    assertEquals(0, mount.notifier().invalidateEntry(1, "never-looked-up".getBytes(UTF_8)));
  }

  @Test
  void aNameRemovedBehindTheKernelsBackGoesAfterTheNotification() throws IOException {
    mountCachingFiveMinutes();
    Path f = mnt.resolve("gone");
    Files.writeString(f, "x");
    assertTrue(Files.exists(f));
    fs.removeBehind("gone".getBytes(UTF_8));
    assertTrue(Files.exists(f), "the kernel still has the name cached");
    assertEquals(0, mount.notifier().invalidateEntry(1, "gone".getBytes(UTF_8)));
    assertFalse(Files.exists(f));
  }

  @Test
  void aBusyMountRefusesToUnmountAndStays() throws IOException {
    mount(KernelOptions.defaults("ktest"));
    Files.writeString(mnt.resolve("open"), "x");
    try (InputStream in = Files.newInputStream(mnt.resolve("open"))) {
      assertThrows(IOException.class, mount::unmount);
      assertTrue(mount.isRunning());
      assertEquals('x', in.read());
    }
    mount.unmount();
    assertFalse(FuseMount.isMounted(mnt));
    assertFalse(mount.isRunning());
  }

  @Test
  void anUnmountFromOutsideEndsTheSession() throws Exception {
    mount(KernelOptions.defaults("ktest"));
    assertTrue(Mounts.fusermountUnmount(mnt, false));
    mount.unmount(); // returns once the workers have seen the end
    assertFalse(mount.isRunning());
  }

  @Test
  void aKilledDaemonLeavesADeadMountThatCleanupClears() throws Exception {
    Process child =
        ChildJvm.startMounted(KernelMountChild.class, List.of("-Xmx128m"), mnt.toString());
    try {
      assertTrue(FuseMount.isMounted(mnt));
      child.destroyForcibly().waitFor();
      assertTrue(Mounts.isDeadFuseMount(mnt));
      assertTrue(FuseMount.cleanStale(mnt));
      assertFalse(FuseMount.isMounted(mnt));
    } finally {
      child.destroyForcibly();
    }
  }
}
