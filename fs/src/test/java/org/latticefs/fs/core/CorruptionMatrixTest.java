package org.latticefs.fs.core;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.latticefs.fs.core.FsFixture.random;

import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.latticefs.cas.BlobRef;
import org.latticefs.fs.Errno;
import org.latticefs.fs.FsErrors;
import org.latticefs.fs.PathInfo;
import org.latticefs.fs.inode.Keys;
import org.latticefs.kv.Op;

/**
 * The filesystem's part of the corruption matrix: a byte flipped in an inode value or a dirent
 * value (written through a raw kv commit, so kv holds it as a valid entry), in a manifest blob or
 * in a chunk blob. Each case is EIO with a message (the line the FUSE boundary logs) naming what is
 * damaged, never other bytes, and every other file still works.
 *
 * <p>Out of reach without a checksum in the inode encoding: a flip that still decodes to a valid
 * inode (a time, the mode, a byte of inline content) reads as that inode.
 */
class CorruptionMatrixTest extends DirectFsTest {
  private final byte[] big = random(300_000, 1);
  private final byte[] other = random(200_000, 2);

  @BeforeEach
  void files() throws IOException {
    f.put("/docs/big", big);
    f.put("/docs/other", other);
    f.put("/docs/small", new byte[] {1, 2, 3});
  }

  @Test
  void anInodeValueThatDoesNotDecodeIsEioNamingStoreAndInode() throws IOException {
    for (int at : new int[] {0, 1, 2}) { // version, kind, flags
      PathInfo info = fs.describe("/docs/small");
      byte[] v = f.store("docs").get(info.inodeKey()).orElseThrow();
      byte[] bad = v.clone();
      bad[at] ^= (byte) 0x40;
      f.store("docs").commit(List.of(new Op.Put(info.inodeKey(), bad)));
      String m = eio(() -> fs.getattr("/docs/small"));
      assertTrue(m.contains("store docs") && m.contains(Keys.id(info.inodeId())), m);
      eio(() -> fs.open("/docs/small", FsFixture.O_RDONLY));
      assertStillWorks();
      f.store("docs").commit(List.of(new Op.Put(info.inodeKey(), v)));
    }
  }

  @Test
  void anInodeWhoseSizeOrManifestIsFlippedReadsEioNeverOtherBytes() throws IOException {
    PathInfo info = fs.describe("/docs/big");
    byte[] v = f.store("docs").get(info.inodeKey()).orElseThrow();
    // The size field follows version, kind, flags and the one-byte varints of mode (two bytes:
    // 0644 > 127), uid, gid and nlink; flipping a byte of the manifest ref at the value's end.
    byte[] size =
        info.inode().withContent(big.length - 1000, info.inode().manifest(), null).encode();
    byte[] ref = v.clone();
    int refAt = indexOf(v, info.inode().manifest().bytes());
    ref[refAt + 5] ^= 1;
    for (byte[] bad : List.of(size, ref)) {
      f.store("docs").commit(List.of(new Op.Put(info.inodeKey(), bad)));
      long fh = fs.open("/docs/big", FsFixture.O_RDONLY);
      try {
        String m = eio(() -> f.read(fh));
        assertTrue(m.contains("inode " + Keys.id(info.inodeId()) + " of store docs"), m);
      } finally {
        fs.release(fh);
      }
      assertStillWorks();
    }
  }

  @Test
  void aDirentValueThatNamesNoInodeIsEioAndTheDirectoryStillLists() throws IOException {
    String key = Keys.dirent(Keys.ROOT, "big");
    byte[] v = f.store("docs").get(key).orElseThrow();
    for (int flip : new int[] {0x80, 0x01}) { // not an id at all; another id, of no inode
      byte[] bad = v.clone();
      bad[bad.length - 1] ^= (byte) flip;
      f.store("docs").commit(List.of(new Op.Put(key, bad)));
      String m = eio(() -> fs.getattr("/docs/big"));
      assertTrue(m.contains("store docs") && m.contains("dirent " + key), m);
      assertTrue(fs.list("/docs").containsAll(List.of("big", "other", "small")));
      assertStillWorks();
    }
  }

  @Test
  void aCorruptManifestOrChunkBlobIsEioNamingFileAndBlob() throws IOException {
    PathInfo info = fs.describe("/docs/big");
    BlobRef manifest = info.inode().manifest();
    BlobRef chunk = info.chunks().get(0).ref();
    for (BlobRef bad : List.of(chunk, manifest)) {
      f.blobs.corrupt(bad);
      f.cache.invalidate(bad); // the good bytes the write left in the chunk cache
      long fh = fs.open("/docs/big", FsFixture.O_RDONLY);
      try {
        String m = eio(() -> f.read(fh));
        assertTrue(m.contains("of store docs") && m.contains(bad.toString()), m);
      } finally {
        fs.release(fh);
      }
      // stat still answers (its blocks from the size when the manifest is unreadable).
      assertEquals(big.length, fs.getattr("/docs/big").size());
      assertStillWorks();
    }
  }

  /** Every other file reads right, the directory lists, new files can be written. */
  private void assertStillWorks() throws IOException {
    assertArrayEquals(other, f.get("/docs/other"));
    assertTrue(fs.list("/docs").contains("other"));
    f.put("/docs/new", new byte[] {7});
    assertArrayEquals(new byte[] {7}, f.get("/docs/new"));
  }

  /** Asserts {@code op} fails as EIO at the FUSE boundary; returns the message it logs. */
  private static String eio(Executable op) {
    IOException e = assertThrows(IOException.class, op);
    assertEquals(Errno.EIO, FsErrors.errno("test", null, e), e.toString());
    return e.getMessage();
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    throw new AssertionError("not found");
  }
}
