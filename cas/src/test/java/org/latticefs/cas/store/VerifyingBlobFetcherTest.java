package org.latticefs.cas.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobFetcher;
import org.latticefs.cas.BlobNotFoundException;
import org.latticefs.cas.BlobRef;
import org.latticefs.cas.CorruptBlobException;

class VerifyingBlobFetcherTest {
  private final MemoryBlobStore honest = new MemoryBlobStore();
  private final Random random = new Random(11);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  /** A source that answers every ref with {@code lie}, whatever was asked for. */
  private static BlobFetcher liar(byte[] lie) {
    return new BlobFetcher() {
      @Override
      public byte[] fetch(BlobRef ref) {
        return lie.clone();
      }

      @Override
      public byte[] fetchRange(BlobRef ref, long offset, int length) {
        return Arrays.copyOfRange(lie, (int) offset, (int) offset + length);
      }

      @Override
      public String toString() {
        return "liar";
      }
    };
  }

  @Test
  void honestBytesPassWholeRangedAndIntoABuffer() throws IOException {
    byte[] data = bytes(70_000);
    BlobRef ref = honest.receive(data);
    VerifyingBlobFetcher v = new VerifyingBlobFetcher(honest);
    assertArrayEquals(data, v.fetch(ref));
    assertArrayEquals(Arrays.copyOfRange(data, 100, 5100), v.fetchRange(ref, 100, 5000));
    byte[] dst = new byte[100_000];
    assertEquals(data.length, v.fetchInto(ref, dst));
    assertArrayEquals(data, Arrays.copyOf(dst, data.length));
    assertSame(honest, v.source());
  }

  @Test
  void aLyingSourceIsCaughtOnEveryPathAndTheErrorNamesTheRef() throws IOException {
    byte[] data = bytes(40_000);
    BlobRef asked = honest.receive(data);
    byte[] lie = data.clone();
    lie[12_345] ^= 0x40;
    VerifyingBlobFetcher v = new VerifyingBlobFetcher(liar(lie));

    CorruptBlobException whole = assertThrows(CorruptBlobException.class, () -> v.fetch(asked));
    assertEquals(asked, whole.ref());
    assertTrue(whole.getMessage().contains(asked.hex()), whole.getMessage());
    // A range far from the flipped byte: the liar's bytes there are right, the blob is not.
    CorruptBlobException range =
        assertThrows(CorruptBlobException.class, () -> v.fetchRange(asked, 0, 100));
    assertEquals(asked, range.ref());
    CorruptBlobException into =
        assertThrows(CorruptBlobException.class, () -> v.fetchInto(asked, new byte[50_000]));
    assertEquals(asked, into.ref());
  }

  @Test
  void anotherBlobsBytesAreNotThisBlob() throws IOException {
    BlobRef asked = honest.receive(bytes(1000));
    byte[] other = bytes(1000);
    VerifyingBlobFetcher v = new VerifyingBlobFetcher(liar(other));
    assertThrows(CorruptBlobException.class, () -> v.fetch(asked));
  }

  @Test
  void missingBlobsAndBadRangesPassThrough() throws IOException {
    VerifyingBlobFetcher v = new VerifyingBlobFetcher(honest);
    BlobRef absent = new BlobRef(new byte[32]);
    assertThrows(BlobNotFoundException.class, () -> v.fetch(absent));
    BlobRef ref = honest.receive(bytes(10));
    assertThrows(IllegalArgumentException.class, () -> v.fetchRange(ref, 5, 6));
    assertThrows(IllegalArgumentException.class, () -> v.fetchRange(ref, -1, 1));
  }
}
