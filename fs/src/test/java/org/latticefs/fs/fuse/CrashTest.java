package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.FsFixture;

/**
 * The daemon (a child JVM running {@link MountMain}) is killed with SIGKILL right after an fsync;
 * the dead mount is detected and cleaned, the filesystem remounted, and the fsynced content (and
 * that of closed files, and namespace changes, made after the fsync and never fsynced) is there.
 */
class CrashTest {
  @TempDir Path dir;

  @Tag("slow")
  @Test
  void fsyncedAndClosedContentSurvivesKillMinus9() throws Exception {
    MountFixture.requireFuse();
    Path data = dir.resolve("data");
    Path mnt = dir.resolve("mnt");
    long seed = System.nanoTime();
    System.out.println("CrashTest seed " + seed);
    byte[] synced = FsFixture.random(5 << 20, seed);
    byte[] closed = FsFixture.random(200_000, seed + 1);
    byte[] small = FsFixture.random(3000, seed + 2);
    // Inline too (up to Inode.MAX_INLINE, 64 KiB): its bytes are in the closing entry, no blob.
    byte[] header = FsFixture.random(50_000, seed + 3);

    Process daemon = start(data, mnt);
    try {
      Files.createDirectory(mnt.resolve("docs"));
      Files.write(mnt.resolve("docs/closed.bin"), closed);
      FileChannel ch =
          FileChannel.open(
              mnt.resolve("docs/synced.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      ByteBuffer b = ByteBuffer.wrap(synced);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
      // After the fsync, never fsynced: a small (inline) file closed, a directory, a rename.
      Files.write(mnt.resolve("docs/small.txt"), small);
      Files.write(mnt.resolve("docs/header.h"), header);
      Files.createDirectory(mnt.resolve("docs/sub"));
      Files.write(mnt.resolve("docs/sub/tmp.txt"), small);
      Files.move(mnt.resolve("docs/sub/tmp.txt"), mnt.resolve("docs/sub/moved.txt"));
      // The root's attributes are now in the kernel's cache, as they are when a user restarts
      // right after a crash: a probe of the root would be answered from it.
      Files.readAttributes(mnt, "unix:ino");
      // Killed with the file still open: only the fsync made it durable.
      daemon.destroyForcibly();
      assertTrue(daemon.waitFor(30, TimeUnit.SECONDS));
      try {
        ch.close();
      } catch (IOException expected) {
        // The filesystem behind the descriptor is gone.
      }
    } finally {
      daemon.destroyForcibly();
    }
    assertTrue(FuseMount.isMounted(mnt), "SIGKILL leaves the mount behind");
    assertTrue(
        Mounts.isDeadFuseMount(mnt), "seen as dead although the root's attributes are cached");
    // A name never looked up: the kernel must ask the (dead) daemon, attributes cached just before
    // the kill cannot answer for it.
    IOException dead =
        assertThrows(
            IOException.class, () -> Files.readAttributes(mnt.resolve("never-seen"), "unix:ino"));
    assertTrue(String.valueOf(dead.getMessage()).contains("not connected"), dead.toString());

    Process again = start(data, mnt); // cleans the stale mount before mounting
    try {
      assertArrayEquals(synced, Files.readAllBytes(mnt.resolve("docs/synced.bin")));
      assertArrayEquals(closed, Files.readAllBytes(mnt.resolve("docs/closed.bin")));
      assertArrayEquals(small, Files.readAllBytes(mnt.resolve("docs/small.txt")));
      assertArrayEquals(header, Files.readAllBytes(mnt.resolve("docs/header.h")));
      assertArrayEquals(small, Files.readAllBytes(mnt.resolve("docs/sub/moved.txt")));
      try (var s = Files.list(mnt.resolve("docs/sub"))) {
        assertEquals(List.of("moved.txt"), s.map(p -> p.getFileName().toString()).toList());
      }
      try (var s = Files.list(mnt.resolve("docs"))) {
        assertEquals(
            List.of("closed.bin", "header.h", "small.txt", "sub", "synced.bin"),
            s.map(p -> p.getFileName().toString()).sorted().toList());
      }
    } finally {
      again.getOutputStream().close();
      if (!again.waitFor(30, TimeUnit.SECONDS)) {
        again.destroyForcibly();
        FuseMount.fusermount(mnt, true);
      }
    }
    assertTrue(!FuseMount.isMounted(mnt), "clean unmount on stdin close");
  }

  private static Process start(Path data, Path mnt) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(MountMain.command(java, data, mnt))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.equals("MOUNTED")) {
        return p;
      }
    }
    p.destroyForcibly();
    throw new IOException("the daemon exited before mounting");
  }
}
