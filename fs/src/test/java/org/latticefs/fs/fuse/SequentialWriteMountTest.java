package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.fuse.MountFixture.sh;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.FsFixture;
import org.latticefs.fs.core.TestStores;

/**
 * Large files written through a real mount by shell tools, so the background ingest of sequential
 * writers runs for real (FUSE-sized writes, the real DiskBlobStore): the content read back after a
 * remount is byte-identical, and a streamed file fsynced before a kill -9 survives it.
 */
class SequentialWriteMountTest {
  @TempDir Path dir;

  @Tag("slow")
  @Test
  void ddCpAndAppendOfALargeFileReadBackIdenticalAfterRemount() throws Exception {
    sh(dir, "head -c 150M /dev/urandom > src.bin && cat src.bin src.bin > twice.bin");
    long streamed;
    try (MountFixture m = new MountFixture(dir, TestStores.open(dir.resolve("kv")))) {
      Files.createDirectory(m.mnt.resolve("s"));
      String s = m.mnt.resolve("s").toString();
      sh(dir, "dd if=src.bin of=" + s + "/dd.bin bs=1M conv=fsync status=none");
      sh(dir, "cmp src.bin " + s + "/dd.bin");
      sh(dir, "cp src.bin " + s + "/cp.bin && cmp src.bin " + s + "/cp.bin");
      // An append to a stored file: only its last chunk is read again.
      long before = m.fs.ingestedBytes();
      sh(dir, "cat src.bin >> " + s + "/cp.bin && cmp twice.bin " + s + "/cp.bin");
      long appendRead = m.fs.ingestedBytes() - before;
      assertTrue(appendRead < (151L << 20), "an append of 150 MiB read " + appendRead + " bytes");
      // Rewriting in place with dd conv=notrunc is not sequential from the end: the fallback.
      sh(
          dir,
          "dd if=/dev/zero of="
              + s
              + "/dd.bin bs=4k seek=1000 count=3 conv=notrunc status=none"
              + " && dd if=/dev/zero of=src.bin bs=4k seek=1000 count=3 conv=notrunc status=none"
              + " && cmp src.bin "
              + s
              + "/dd.bin");
      streamed = m.fs.backgroundIngests();
      assertEquals(3, streamed, "dd, cp and the append were ingested in the background");
    }
    try (MountFixture m = new MountFixture(dir, TestStores.open(dir.resolve("kv")))) {
      String s = m.mnt.resolve("s").toString();
      sh(dir, "cmp src.bin " + s + "/dd.bin && cmp twice.bin " + s + "/cp.bin");
    }
  }

  @Tag("slow")
  @Test
  void aStreamedFileFsyncedBeforeKillMinus9Survives() throws Exception {
    MountFixture.requireFuse();
    Path data = dir.resolve("data");
    Path mnt = dir.resolve("mnt");
    byte[] synced = FsFixture.random(40 << 20, System.nanoTime());
    Process daemon = start(data, mnt);
    try {
      Files.createDirectory(mnt.resolve("docs"));
      FileChannel ch =
          FileChannel.open(
              mnt.resolve("docs/big.bin"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
      ByteBuffer b = ByteBuffer.wrap(synced);
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
      // More appended after the fsync, never made durable: the file holds the fsynced content.
      ch.write(ByteBuffer.wrap(FsFixture.random(12 << 20, 1)));
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
    Process again = start(data, mnt);
    try {
      assertArrayEquals(synced, Files.readAllBytes(mnt.resolve("docs/big.bin")));
    } finally {
      again.getOutputStream().close();
      if (!again.waitFor(30, TimeUnit.SECONDS)) {
        again.destroyForcibly();
        FuseMount.fusermount(mnt, true);
      }
    }
  }

  private static Process start(Path data, Path mnt) throws IOException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(MountMain.command(java, data, mnt))
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    for (String line = out.readLine(); line != null; line = out.readLine()) {
      if (line.equals("MOUNTED")) {
        return p;
      }
    }
    p.destroyForcibly();
    throw new IOException("the daemon exited before mounting");
  }
}
