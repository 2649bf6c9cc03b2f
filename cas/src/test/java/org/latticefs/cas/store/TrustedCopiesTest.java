package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.hash.Blake3;

class TrustedCopiesTest {
  @TempDir Path dir;

  private static BlobRef ref(int i) {
    return Blake3.hash(new byte[] {(byte) i, (byte) (i >> 8), (byte) (i >> 16)});
  }

  @Test
  void vouchesOnlyForTheSameUnchangedFile() throws IOException {
    TrustedCopies t = new TrustedCopies(16);
    Path f = Files.write(dir.resolve("a"), new byte[100]);
    BlobFileStat before = BlobFileStat.of(f);
    t.remember(ref(1), before);
    assertTrue(t.vouches(ref(1), BlobFileStat.of(f)));
    assertFalse(t.vouches(ref(2), BlobFileStat.of(f)), "another ref");

    try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.wrap(new byte[] {1}), 50);
    }
    BlobFileStat written = BlobFileStat.of(f);
    assertNotEquals(before.ctimeNanos(), written.ctimeNanos(), "a write changes the change time");
    assertFalse(t.vouches(ref(1), written));

    Path g = Files.write(dir.resolve("b"), new byte[100]);
    Files.move(g, f, StandardCopyOption.REPLACE_EXISTING);
    assertFalse(t.vouches(ref(1), BlobFileStat.of(f)), "a replaced file");
  }

  @Test
  void forgettingAndSlotReuseOnlyEverDropTrust() throws IOException {
    TrustedCopies t = new TrustedCopies(1);
    Path f = Files.write(dir.resolve("a"), new byte[10]);
    BlobFileStat s = BlobFileStat.of(f);
    t.remember(ref(1), s);
    t.remember(ref(2), s);
    assertFalse(t.vouches(ref(1), s), "replaced in the one slot");
    assertTrue(t.vouches(ref(2), s));
    t.forget(ref(1));
    assertTrue(t.vouches(ref(2), s), "forgetting another ref changes nothing");
    t.forget(ref(2));
    assertFalse(t.vouches(ref(2), s));
  }

  @Test
  void sizesArePowersOfTwo() {
    assertThrows(IllegalArgumentException.class, () -> new TrustedCopies(3));
  }
}
