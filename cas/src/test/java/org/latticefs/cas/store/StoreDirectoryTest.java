package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobBatch;
import org.latticefs.cas.BlobInfo;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Outboard;

class StoreDirectoryTest {
  @TempDir Path root;
  private final Random random = new Random(5);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  private static String mode(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  private static void setMode(Path p, String mode) throws IOException {
    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString(mode));
  }

  @Test
  void aPreCreatedOpenTreeIsMadePrivateAtOpen() throws IOException {
    Path cas = root.resolve("cas");
    Files.createDirectories(cas.resolve("ab"));
    Files.createDirectories(cas.resolve("tmp"));
    Files.createDirectories(cas.resolve("quarantine"));
    Files.createDirectories(cas.resolve("outboards"));
    Files.writeString(cas.resolve("lock"), "");
    for (Path p : List.of(cas, cas.resolve("ab"), cas.resolve("tmp"), cas.resolve("outboards"))) {
      setMode(p, "rwxr-xr-x");
    }
    setMode(cas.resolve("lock"), "rw-r--r--");
    try (StoreDirectory dir = StoreDirectory.open(root)) {
      assertEquals("rwx------", mode(cas));
      for (int i = 0; i < 256; i++) {
        assertEquals("rwx------", mode(dir.shard(i)), dir.shard(i).toString());
      }
      for (Path d : List.of(dir.tmp(), dir.quarantine(), dir.outboards())) {
        assertEquals("rwx------", mode(d), d.toString());
      }
      assertEquals("rw-------", mode(cas.resolve("lock")));
    }
  }

  @Test
  void everyFileTheStoreWritesIsOwnerOnly() throws IOException {
    try (DiskBlobStore store = DiskBlobStore.open(root)) {
      List<BlobRef> refs =
          List.of(
              store.receive(bytes(100)), store.receive(new ByteArrayInputStream(bytes(300_000))));
      BlobRef batched;
      try (BlobBatch batch = store.newBatch()) {
        byte[] b = bytes(70_000);
        batched = batch.receive(b, 0, b.length);
        batch.commit();
      }
      BlobRef big = store.receive(bytes(4 * Outboard.GROUP_SIZE + 1));
      store.fetchRange(big, 10, 10);
      for (BlobRef r : List.of(refs.get(0), refs.get(1), batched, big)) {
        assertEquals(
            "rw-------",
            mode(store.directory().resolve(r.hex().substring(0, 2)).resolve(r.hex() + ".blob")));
      }
    }
    try (Stream<Path> all = Files.walk(root.resolve("cas"))) {
      for (Path p : all.toList()) {
        assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode(p), "mode of " + p);
      }
    }
  }

  @Test
  void aDirectoryWhoseModeCannotBeFixedIsRefusedByName() throws Exception {
    Path shard = root.resolve("cas").resolve("7f");
    Files.createDirectories(shard);
    setMode(shard, "rwxr-xr-x");
    Assumptions.assumeTrue(run("chattr", "+i", shard.toString()) == 0, "needs chattr on ext4");
    try {
      IOException e = assertThrows(IOException.class, () -> DiskBlobStore.open(root));
      assertTrue(e.getMessage().contains(shard.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("private"), e.getMessage());
      // Refused without keeping the store locked.
      run("chattr", "-i", shard.toString());
      DiskBlobStore.open(root).close();
    } finally {
      run("chattr", "-i", shard.toString());
    }
  }

  @Test
  void aSymbolicLinkInPlaceOfADirectoryIsRefused() throws IOException {
    Path elsewhere = Files.createDirectories(root.resolve("elsewhere"));
    Files.createDirectories(root.resolve("cas"));
    Files.createSymbolicLink(root.resolve("cas").resolve("tmp"), elsewhere);
    IOException e = assertThrows(IOException.class, () -> DiskBlobStore.open(root));
    assertTrue(e.getMessage().contains("symbolic link"), e.getMessage());
  }

  @Test
  void listingPagesInRefOrderAndSkipsStrangers() throws IOException {
    try (StoreDirectory dir = StoreDirectory.open(root)) {
      BlobRef a = BlobRef.parse("00" + "1".repeat(62));
      BlobRef b = BlobRef.parse("00" + "2".repeat(62));
      BlobRef c = BlobRef.parse("ff" + "3".repeat(62));
      for (BlobRef r : List.of(c, a, b)) {
        Files.write(dir.blobPath(r), new byte[7]);
      }
      Files.writeString(dir.shard(0).resolve("notes.txt"), "x");
      assertEquals(List.of(new BlobInfo(a, 7), new BlobInfo(b, 7)), dir.list(Optional.empty(), 2));
      assertEquals(List.of(new BlobInfo(c, 7)), dir.list(Optional.of(b), 10));
      assertEquals(List.of(), dir.list(Optional.empty(), 0));
    }
  }

  @Test
  void refHexAcceptsOnlyBlobNames() {
    String hex = "ab".repeat(32);
    assertEquals(hex, StoreDirectory.refHex(hex + ".blob"));
    assertNull(StoreDirectory.refHex(hex + ".tmp"));
    assertNull(StoreDirectory.refHex("AB".repeat(32) + ".blob"));
    assertNull(StoreDirectory.refHex(hex.substring(2) + ".blob"));
  }

  @Test
  void oneProcessAtATime() throws IOException {
    try (StoreDirectory dir = StoreDirectory.open(root)) {
      IOException e = assertThrows(IOException.class, () -> StoreDirectory.open(root));
      assertTrue(e.getMessage().contains("already open"), e.getMessage());
    }
    StoreDirectory.open(root).close();
  }

  private static int run(String... cmd) throws Exception {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      p.getInputStream().readAllBytes();
      return p.waitFor(30, TimeUnit.SECONDS) ? p.exitValue() : -1;
    } catch (IOException e) {
      return -1;
    }
  }
}
