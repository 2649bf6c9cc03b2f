package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.fs.core.TestStores;

/** A 1 GiB file written through the mount and read back byte-identical (compared by hash). */
class LargeFileTest {
  static final long SIZE = 1L << 30;
  @TempDir Path dir;

  @Tag("slow")
  @Test
  void oneGibWrittenAndReadBackIdentical() throws Exception {
    try (MountFixture m = new MountFixture(dir, TestStores.open(dir.resolve("kv")))) {
      Path file = Files.createDirectory(m.mnt.resolve("big")).resolve("1g.bin");
      MessageDigest wrote = MessageDigest.getInstance("SHA-256");
      SplittableRandom rnd = new SplittableRandom(42);
      byte[] block = new byte[1 << 20];
      try (FileChannel ch =
          FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
        for (long done = 0; done < SIZE; done += block.length) {
          rnd.nextBytes(block);
          wrote.update(block);
          ByteBuffer b = ByteBuffer.wrap(block);
          while (b.hasRemaining()) {
            ch.write(b);
          }
        }
        ch.force(true);
      }
      assertEquals(SIZE, Files.size(file));
      MessageDigest read = MessageDigest.getInstance("SHA-256");
      ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20);
      long total = 0;
      try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
        while (true) {
          buf.clear();
          int n = ch.read(buf);
          if (n < 0) {
            break;
          }
          buf.flip();
          read.update(buf);
          total += n;
        }
      }
      assertEquals(SIZE, total);
      assertArrayEquals(wrote.digest(), read.digest());
    } catch (IOException e) {
      throw e;
    }
  }
}
