package org.latticefs.fs.fuse;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.chunk.Chunk;
import org.latticefs.fs.core.FsFixture;
import org.latticefs.fs.core.TestStores;

/**
 * The read path through a real mount: random reads across chunk boundaries, a switch to sequential,
 * and a corrupt chunk on disk turning into EIO for the reads that need it (random and sequential)
 * while the rest of the file still reads.
 */
class ReadPathMountTest {
  @TempDir static Path dir;
  static MountFixture m;

  @BeforeAll
  static void mount() throws IOException {
    m = new MountFixture(dir, TestStores.open(dir.resolve("kv")));
    Files.createDirectory(m.mnt.resolve("docs"));
  }

  @AfterAll
  static void unmount() throws IOException {
    if (m != null) {
      m.close();
    }
  }

  /** Stores {@code data} through the filesystem object, so no page of it is in the page cache. */
  private static void put(String path, byte[] data) throws IOException {
    long fh = m.fs.create(path, 0644, FsFixture.O_WRONLY, FsFixture.ME);
    ByteBuffer b = ByteBuffer.wrap(data);
    while (b.hasRemaining()) {
      m.fs.write(fh, b.position(), b);
    }
    m.fs.flush(fh);
    m.fs.release(fh);
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void randomReadsAcrossChunkBoundariesThenASequentialReadAreTheFileBytes() throws IOException {
    byte[] data = random(12 << 20, 11);
    put("/docs/rand.bin", data);
    List<Chunk> chunks = m.fs.describe("/docs/rand.bin").chunks();
    assertTrue(chunks.size() > 8, "chunks: " + chunks.size());
    Path f = m.mnt.resolve("docs/rand.bin");
    Random rnd = new Random(3);
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      // Boundaries in a shuffled order, each read straddling one.
      List<Chunk> order = new java.util.ArrayList<>(chunks.subList(1, chunks.size()));
      java.util.Collections.shuffle(order, rnd);
      for (Chunk c : order) {
        long pos = c.offset() - 1 - rnd.nextInt(3000);
        byte[] got = new byte[1 + rnd.nextInt(6000)];
        raf.seek(pos);
        raf.readFully(got);
        assertArrayEquals(
            Arrays.copyOfRange(data, (int) pos, (int) pos + got.length), got, "at " + pos);
      }
    }
    // Now sequentially, whole (what the kernel did not cache comes through the sequential path).
    assertArrayEquals(data, Files.readAllBytes(f));
  }

  @Test
  void aCorruptChunkIsEioThroughTheMountForRandomAndSequentialReads() throws Exception {
    byte[] data = random(4 << 20, 12);
    put("/docs/bad.bin", data);
    List<Chunk> chunks = m.fs.describe("/docs/bad.bin").chunks();
    Chunk bad = chunks.get(chunks.size() / 2);
    Path blob;
    try (Stream<Path> s = Files.walk(m.dir.resolve("cas"))) {
      blob =
          s.filter(p -> p.getFileName().toString().startsWith(bad.ref().hex()))
              .findFirst()
              .orElseThrow();
    }
    try (FileChannel ch =
        FileChannel.open(blob, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer one = ByteBuffer.allocate(1);
      ch.read(one, 1000);
      one.put(0, (byte) ~one.get(0)).rewind();
      ch.write(one, 1000);
    }
    m.cache.invalidate(bad.ref());
    Path f = m.mnt.resolve("docs/bad.bin");

    // Random: one 4 KiB read inside the corrupt chunk.
    Result dd =
        run(
            "dd",
            "if=" + f,
            "of=/dev/null",
            "bs=4096",
            "count=1",
            "skip=" + (bad.offset() / 4096 + 2));
    assertNotEquals(0, dd.exit(), dd.out());
    assertTrue(dd.out().contains("Input/output error"), dd.out());

    // The bytes before the bad chunk read fine.
    try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "r")) {
      byte[] head = new byte[(int) (bad.offset() / 4096 * 4096) - 8192];
      raf.readFully(head);
      assertArrayEquals(Arrays.copyOf(data, head.length), head);
    }

    // Sequential: reading the whole file fails with EIO, never returns other bytes.
    Result cat = run("sh", "-c", "cat '" + f + "' > /dev/null");
    assertNotEquals(0, cat.exit());
    assertTrue(cat.out().contains("Input/output error"), cat.out());
    IOException e = assertThrows(IOException.class, () -> Files.readAllBytes(f));
    assertTrue(String.valueOf(e.getMessage()).contains("Input/output error"), e.toString());
  }

  private record Result(int exit, String out) {}

  private static Result run(String... cmd) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return new Result(p.exitValue(), out);
  }
}
