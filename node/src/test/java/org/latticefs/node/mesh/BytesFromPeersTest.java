package org.latticefs.node.mesh;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.testing.Poll;
import org.latticefs.node.Daemon;
import org.latticefs.node.FuseAvailable;
import org.latticefs.node.config.DataDir;
import org.latticefs.node.config.NodeConfig;

/**
 * Bytes of files travel between real daemons (separate data directories and mounts, meshed over
 * 127.0.0.1): a file written on A reads byte-identical through B's mount with nothing of it on B
 * beforehand, random reads of a file only A holds, and a corrupt blob on B repaired from A.
 */
class BytesFromPeersTest {
  @TempDir Path tmp;

  static NodeConfig loopback() {
    return NodeConfig.fromMap(Map.of("mesh.listen", "127.0.0.1:0", "mesh.mdns", "off"));
  }

  /** Deterministic incompressible content: block i of 1 MiB from seed (seed, i). */
  static void writeFile(Path f, long size, long seed) throws IOException {
    byte[] block = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(f)) {
      for (long at = 0; at < size; at += block.length) {
        new Random(seed * 1_000_003 + at / block.length).nextBytes(block);
        out.write(block, 0, (int) Math.min(block.length, size - at));
      }
    }
  }

  static byte[] expected(long seed, long offset, int length) {
    byte[] block = new byte[1 << 20];
    byte[] out = new byte[length];
    long blk = -1;
    for (int i = 0; i < length; i++) {
      long at = offset + i;
      if (at / block.length != blk) {
        blk = at / block.length;
        new Random(seed * 1_000_003 + blk).nextBytes(block);
      }
      out[i] = block[(int) (at % block.length)];
    }
    return out;
  }

  static String sha256(Path f) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    try (InputStream in = Files.newInputStream(f)) {
      int n;
      while ((n = in.read(buf)) > 0) {
        d.update(buf, 0, n);
      }
    }
    return HexFormat.of().formatHex(d.digest());
  }

  /** Two daemons, b joined to a. */
  record Pair(Daemon a, Daemon b, Path mntA, Path mntB, DataDir dirB) implements AutoCloseable {
    @Override
    public void close() {
      b.stop();
      a.stop();
    }
  }

  Pair pair() throws Exception {
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirB = new DataDir(tmp.resolve("b"));
    Daemon a = Daemon.start(new DataDir(tmp.resolve("a")), loopback(), mntA);
    try {
      Daemon b = Daemon.start(dirB, loopback(), mntB);
      b.join(a.invite(600));
      return new Pair(a, b, mntA, mntB, dirB);
    } catch (Exception | Error e) {
      a.stop();
      throw e;
    }
  }

  static void awaitSize(Path f, long size) throws Exception {
    Poll.until(f + " shows with its size", () -> Files.exists(f) && Files.size(f) == size);
  }

  void largeFileReadsIdenticalOnB(long size) throws Exception {
    try (Pair p = pair()) {
      Files.createDirectories(p.mntA.resolve("media"));
      Path onA = p.mntA.resolve("media/big.bin");
      writeFile(onA, size, 42);
      String digestA = sha256(onA);
      Path onB = p.mntB.resolve("media/big.bin");
      awaitSize(onB, size);
      long t0 = System.nanoTime();
      String digestB = sha256(onB);
      double s = (System.nanoTime() - t0) / 1e9;
      System.out.printf(
          "cold read of %d MiB on B: %.2f s, %.0f MiB/s (%s)%n",
          size >> 20, s, (size >> 20) / s, p.b.blobStats());
      assertEquals(digestA, digestB);
      assertTrue(p.b.blobStats().fetchedBytes().sum() >= size, "the bytes came from a");
      assertEquals(0, p.b.blobStats().badBytes().sum());
    }
  }

  @Test
  void a256MiBFileWrittenOnAReadsByteIdenticalThroughBsMount() throws Exception {
    largeFileReadsIdenticalOnB(256L << 20);
  }

  @Test
  @Tag("slow")
  void a1GiBFileWrittenOnAReadsByteIdenticalThroughBsMount() throws Exception {
    largeFileReadsIdenticalOnB(1L << 30);
  }

  @Test
  void randomReadsOnBOfARemoteOnlyFileReturnItsBytes() throws Exception {
    long size = 64L << 20;
    try (Pair p = pair()) {
      Files.createDirectories(p.mntA.resolve("db"));
      writeFile(p.mntA.resolve("db/table.bin"), size, 7);
      Path onB = p.mntB.resolve("db/table.bin");
      awaitSize(onB, size);
      Random r = new Random(11);
      int reads = 100;
      long[] nanos = new long[reads];
      try (FileChannel ch = FileChannel.open(onB, StandardOpenOption.READ)) {
        for (int i = 0; i < reads; i++) {
          long off = (r.nextLong() & Long.MAX_VALUE) % (size - 4096);
          ByteBuffer buf = ByteBuffer.allocate(4096);
          long t0 = System.nanoTime();
          while (buf.hasRemaining() && ch.read(buf, off + buf.position()) > 0) {}
          nanos[i] = System.nanoTime() - t0;
          assertArrayEquals(expected(7, off, 4096), buf.array(), "4 KiB at " + off);
        }
      }
      java.util.Arrays.sort(nanos);
      System.out.printf(
          "random 4 KiB reads on B of a remote-only file: p50 %.2f ms, p99 %.2f ms (%s)%n",
          nanos[reads / 2] / 1e6, nanos[reads * 99 / 100] / 1e6, p.b.blobStats());
      assertTrue(p.b.blobStats().fetched().sum() > 0);
      assertTrue(
          p.b.blobStats().fetchedBytes().sum() < size, "only the chunks read came, not the file");
    }
  }

  @Test
  void aBitFlipInOneOfBsBlobsIsRepairedFromAOnRead() throws Exception {
    long size = 8L << 20;
    FuseAvailable.require();
    Path mntA = tmp.resolve("mntA");
    Path mntB = tmp.resolve("mntB");
    DataDir dirB = new DataDir(tmp.resolve("b"));
    NodeConfig confB = TwoNodesMountTest.fixedPort();
    Daemon a = Daemon.start(new DataDir(tmp.resolve("a")), loopback(), mntA);
    Daemon b = Daemon.start(dirB, confB, mntB);
    try {
      b.join(a.invite(600));
      Files.createDirectories(mntA.resolve("docs"));
      writeFile(mntA.resolve("docs/thesis.pdf"), size, 3);
      Path onB = mntB.resolve("docs/thesis.pdf");
      awaitSize(onB, size);
      String good = sha256(mntA.resolve("docs/thesis.pdf"));
      assertEquals(good, sha256(onB), "B fetched and kept every chunk");
      // Flip one bit in the largest of B's blobs (a chunk), with B stopped so no cache has it.
      b.stop();
      Path victim;
      try (Stream<Path> s = Files.walk(dirB.blobs())) {
        List<Path> blobs = s.filter(f -> f.toString().endsWith(".blob")).sorted().toList();
        victim =
            blobs.stream()
                .max(java.util.Comparator.comparingLong(f -> f.toFile().length()))
                .orElseThrow();
      }
      byte[] bytes = Files.readAllBytes(victim);
      bytes[bytes.length / 2] ^= 0x10;
      Files.write(victim, bytes);
      b = Daemon.start(dirB, confB, mntB);
      Daemon restarted = b;
      Poll.until(
          "B reconnected to A", () -> restarted.peers().stream().anyMatch(r -> r.connected()));
      assertEquals(good, sha256(onB), "the reader got the right bytes, not EIO");
      assertTrue(b.blobStats().fetched().sum() >= 1, "the good copy came from A");
      // The good copy is stored again (in the background, off the reader's path).
      String name = victim.getFileName().toString().replace(".blob", "");
      Poll.until(
          "the repaired blob is stored again",
          () ->
              Files.exists(victim)
                  && org.latticefs.cas.hash.Blake3.hash(Files.readAllBytes(victim))
                      .hex()
                      .equals(name));
    } finally {
      b.stop();
      a.stop();
    }
  }
}
