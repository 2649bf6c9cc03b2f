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
    TrustedCopies t = new TrustedCopies(64);
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
    TrustedCopies t = new TrustedCopies(64);
    Path f = Files.write(dir.resolve("a"), new byte[10]);
    BlobFileStat s = BlobFileStat.of(f);
    // Of 65 refs, two share one of the 64 slots.
    BlobRef a = null;
    BlobRef b = null;
    for (int i = 0; i < 65 && b == null; i++) {
      t.remember(ref(i), s);
      for (int j = 0; j < i; j++) {
        if (!t.vouches(ref(j), s) && a == null) {
          a = ref(j);
          b = ref(i);
        }
      }
    }
    assertTrue(b != null, "no two refs shared a slot");
    assertFalse(t.vouches(a, s), "replaced in its slot");
    assertTrue(t.vouches(b, s));
    t.forget(a);
    assertTrue(t.vouches(b, s), "forgetting another ref changes nothing");
    t.forget(b);
    assertFalse(t.vouches(b, s));
  }

  @Test
  void theSavedTableComesBackAndADamagedOneLoadsNothing() throws IOException {
    TrustedCopies t = new TrustedCopies(64);
    Path f = Files.write(dir.resolve("a"), new byte[10]);
    BlobFileStat s = BlobFileStat.of(f);
    t.remember(ref(1), s);
    Path saved = dir.resolve("trusted");
    t.save(saved);
    TrustedCopies back = new TrustedCopies(64);
    assertTrue(back.load(saved));
    assertTrue(back.vouches(ref(1), s));
    assertFalse(new TrustedCopies(128).load(saved), "made for another size");
    byte[] bytes = Files.readAllBytes(saved);
    bytes[bytes.length / 2] ^= 1;
    Files.write(saved, bytes);
    TrustedCopies damaged = new TrustedCopies(64);
    assertFalse(damaged.load(saved));
    assertFalse(damaged.vouches(ref(1), s));
    assertFalse(new TrustedCopies(64).load(dir.resolve("absent")));
  }

  @Test
  void sizesArePowersOfTwo() {
    assertThrows(IllegalArgumentException.class, () -> new TrustedCopies(3));
  }
}
