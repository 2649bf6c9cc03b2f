package org.latticefs.cas.hash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;

/**
 * Outboards against BLAKE3 itself: the root merged from the group CVs is the hash (checked against
 * BouncyCastle, not just the native library), every group CV is the subtree CV that an independent
 * plain implementation of the tree computes, and nothing but the blob's own bytes verifies.
 */
class OutboardTest {
  private static final int G = Outboard.GROUP_SIZE;

  private static final int[] SIZES = {
    0,
    1,
    1023,
    1024,
    1025,
    16383,
    16384,
    16385,
    32768,
    32769,
    65536,
    300_000,
    1 << 20,
    (1 << 20) + 1,
    3 << 20,
    (1 << 20) + G + 17,
    2 * (1 << 20) + 1024,
    17 * G + 1
  };

  @BeforeEach
  void requireNative() {
    Blake3TestSupport.nativeLib();
    assertTrue(Outboard.isAvailable(), Blake3.implementation());
  }

  private static byte[] random(int size, long seed) {
    byte[] b = new byte[size];
    new Random(seed).nextBytes(b);
    return b;
  }

  private static BlobRef bouncyCastle(byte[] data) {
    try (Blake3Hasher h = Blake3.newJavaHasher()) {
      h.update(data, 0, data.length);
      return h.finish();
    }
  }

  @Test
  void rootMergedFromGroupCvsIsTheHash() {
    for (int size : SIZES) {
      byte[] data = random(size, size);
      Outboard o = Outboard.compute(data, 0, size);
      assertEquals(bouncyCastle(data), o.ref(), "size " + size);
      assertEquals(Blake3.hash(data), o.ref(), "size " + size);
      assertEquals(size, o.size());
      assertEquals(Math.max(1, (size + G - 1) / G), o.groupCount(), "size " + size);
      assertEquals(o.groupCount() == 1 ? 0 : o.groupCount() * 32, o.cvs().length);
    }
  }

  @Test
  void computeHonoursOffsetAndLength() {
    byte[] data = random(200_000, 1);
    Outboard inside = Outboard.compute(data, 777, 150_000);
    assertEquals(Blake3.hash(data, 777, 150_000), inside.ref());
    assertEquals(Outboard.compute(Arrays.copyOfRange(data, 777, 150_777), 0, 150_000), inside);
  }

  @Test
  void everyGroupCvIsItsSubtreeCvByAnIndependentImplementation() {
    for (int size : new int[] {16385, 32768, 32769, 65536 + 1000, 300_000, (1 << 20) + 1}) {
      byte[] data = random(size, 7 + size);
      assertEquals(Blake3.hash(data), ReferenceBlake3Tree.hash(data, 0, size), "reference itself");
      Outboard o = Outboard.compute(data, 0, size);
      byte[] cvs = o.cvs();
      for (int g = 0; g < o.groupCount(); g++) {
        int start = (int) o.groupStart(g);
        int len = (int) (o.groupEnd(g) - start);
        byte[] expected = ReferenceBlake3Tree.subtreeCv(data, start, len, start / 1024);
        assertArrayEquals(
            expected,
            Arrays.copyOfRange(cvs, g * 32, g * 32 + 32),
            "group " + g + " of " + size + " bytes");
        assertTrue(o.verifies(g, data, start, len), "group " + g + " alone verifies");
      }
    }
  }

  @Property(tries = 60)
  void randomSizesAndGroupRuns(
      @ForAll @IntRange(min = 0, max = 700_000) int size,
      @ForAll @IntRange(min = 0, max = 1000) int a,
      @ForAll @IntRange(min = 0, max = 1000) int b) {
    byte[] data = random(size, size * 31L + a);
    Outboard o = Outboard.compute(data, 0, size);
    assertEquals(bouncyCastle(data), o.ref());
    int first = a * o.groupCount() / 1001;
    int last = first + b * (o.groupCount() - first) / 1001;
    int start = (int) o.groupStart(first);
    int end = (int) o.groupEnd(last);
    assertTrue(o.verifies(first, data, start, end - start));
    assertTrue(o.verifies(first, direct(data, start, end)));
    assertTrue(o.verifies(first, ByteBuffer.wrap(data, start, end - start)));
    if (end > start) {
      byte[] bad = data.clone();
      int at = start + (a * 7919 + b) % (end - start);
      bad[at] ^= (byte) (1 << (b % 8));
      assertFalse(o.verifies(first, bad, start, end - start), "flipped byte " + at);
      assertFalse(o.verifies(first, direct(bad, start, end)), "flipped byte " + at + ", direct");
    }
    if (end - start > 1) {
      assertFalse(o.verifies(first, direct(data, start, end - 1)), "one byte short, direct");
    }
    assertEquals(o, Outboard.decode(o.ref(), o.encode()));
  }

  @Test
  void refusesBytesThatAreNotExactlyWholeGroups() {
    byte[] data = random(5 * G + 100, 3);
    Outboard o = Outboard.compute(data, 0, data.length);
    assertTrue(o.verifies(1, data, G, 2 * G));
    assertFalse(o.verifies(1, data, G, 2 * G - 1), "short");
    assertFalse(o.verifies(1, data, G, 2 * G + 1), "one byte of the next group");
    assertFalse(o.verifies(2, data, G, 2 * G), "groups at the wrong position");
    assertFalse(o.verifies(0, data, 0, 0), "nothing");
    assertTrue(o.verifies(5, data, 5 * G, 100), "the short last group");
    assertFalse(o.verifies(5, Arrays.copyOf(data, data.length + 1), 5 * G, 101), "past the end");
    // The same bytes, claimed to be a blob one byte shorter: the last group no longer matches.
    Outboard shorter = Outboard.decode(o.ref(), withSize(o.encode(), data.length - 1));
    assertFalse(shorter.verifies(5, data, 5 * G, 99));
  }

  @Test
  void oneGroupBlobsAreVerifiedWhole() {
    byte[] data = random(10_000, 4);
    Outboard o = Outboard.compute(data, 0, data.length);
    assertEquals(1, o.groupCount());
    assertTrue(o.verifies(0, data, 0, data.length));
    assertFalse(o.verifies(0, data, 0, data.length - 1));
    byte[] bad = data.clone();
    bad[9999] ^= 1;
    assertFalse(o.verifies(0, bad, 0, bad.length));
    assertEquals(o, Outboard.decode(o.ref(), o.encode()));
    assertEquals(9, o.encode().length);
  }

  @Test
  void tamperedOrForeignCvsAreNeverTrusted() {
    byte[] data = random(300_000, 5);
    Outboard o = Outboard.compute(data, 0, data.length);
    byte[] cvs = o.cvs();
    for (int i = 0; i < cvs.length; i += 37) {
      byte[] bad = cvs.clone();
      bad[i] ^= 0x10;
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> Outboard.of(o.ref(), o.size(), bad));
      assertTrue(e.getMessage().contains("does not belong to blob"), e.getMessage());
    }
    Outboard other = Outboard.compute(random(300_000, 6), 0, 300_000);
    assertThrows(IllegalArgumentException.class, () -> Outboard.of(o.ref(), o.size(), other.cvs()));
    assertThrows(IllegalArgumentException.class, () -> Outboard.of(o.ref(), o.size() + G, o.cvs()));
    assertThrows(
        IllegalArgumentException.class,
        () -> Outboard.of(o.ref(), o.size(), Arrays.copyOf(cvs, cvs.length - 32)));
    assertEquals(o, Outboard.of(o.ref(), o.size(), cvs));
  }

  @Test
  void decodeHasASizeLimitAndClearErrors() {
    BlobRef ref = Blake3.hash(new byte[1]);
    assertThrows(IllegalArgumentException.class, () -> Outboard.decode(ref, new byte[0]));
    assertThrows(IllegalArgumentException.class, () -> Outboard.decode(ref, new byte[8]));
    byte[] badVersion = new byte[9];
    badVersion[0] = 2;
    assertTrue(
        assertThrows(IllegalArgumentException.class, () -> Outboard.decode(ref, badVersion))
            .getMessage()
            .contains("version"));
    IllegalArgumentException tooBig =
        assertThrows(
            IllegalArgumentException.class,
            () -> Outboard.decode(ref, new byte[Outboard.MAX_ENCODED_SIZE + 1]));
    assertTrue(tooBig.getMessage().contains("exceeds"), tooBig.getMessage());
    byte[] negative = withSize(new byte[9], -1);
    negative[0] = 1;
    assertThrows(IllegalArgumentException.class, () -> Outboard.decode(ref, negative));
  }

  /** Decoding arbitrary mutations: either a clear rejection or an outboard of the same blob. */
  @Property(tries = 300)
  void mutatedEncodingsAreRejectedOrHarmless(
      @ForAll @IntRange(min = 0, max = 200) int position,
      @ForAll @IntRange(min = 1, max = 255) int xor,
      @ForAll @IntRange(min = -3, max = 3) int resize) {
    byte[] data = random(70_000, 9);
    Outboard o = Outboard.compute(data, 0, data.length);
    byte[] enc = o.encode();
    byte[] mutated = Arrays.copyOf(enc, Math.max(0, enc.length + resize));
    if (mutated.length > 0) {
      mutated[position % mutated.length] ^= (byte) xor;
    }
    Outboard decoded;
    try {
      decoded = Outboard.decode(o.ref(), mutated);
    } catch (IllegalArgumentException rejected) {
      return;
    }
    // Only the size within the last group can change unnoticed; the group CVs cannot.
    assertEquals(o.ref(), decoded.ref());
    assertEquals(o.groupCount(), decoded.groupCount());
    assertArrayEquals(o.cvs(), decoded.cvs());
    int last = o.groupCount() - 1;
    int start = (int) o.groupStart(last);
    assertEquals(
        decoded.size() == o.size(), decoded.verifies(last, data, start, data.length - start));
  }

  /** Arbitrary bytes: a clear rejection, or (rarely) a one-group outboard that checks its data. */
  @Property(tries = 300)
  void arbitraryBytesDecodeToAClearErrorOrAnHonestOutboard(
      @ForAll @Size(max = 600) byte[] encoded, @ForAll boolean validHeader) {
    BlobRef ref = Blake3.hash(random(40_000, 12));
    if (validHeader && encoded.length >= 9) {
      encoded[0] = 1;
      ByteBuffer.wrap(encoded).putLong(1, 40_000);
    }
    Outboard decoded;
    try {
      decoded = Outboard.decode(ref, encoded);
    } catch (IllegalArgumentException rejected) {
      assertTrue(rejected.getMessage() != null && !rejected.getMessage().isEmpty());
      return;
    }
    // Only a header for a blob of one group has no CVs to check; it cannot vouch for any bytes.
    assertEquals(1, decoded.groupCount());
    assertEquals(9, encoded.length);
    byte[] other = random((int) decoded.size(), 13);
    assertFalse(decoded.verifies(0, other, 0, other.length));
  }

  @Test
  void groupByGroupEqualsTheOnePass() {
    // The native one-pass outboard and the plain hash agree on inputs larger than one pinned slice.
    byte[] data = random((3 << 20) + 5, 11);
    Outboard o = Outboard.compute(data, 0, data.length);
    assertEquals(Blake3.hash(data), o.ref());
    byte[] cvs = o.cvs();
    byte[] again = new byte[cvs.length];
    for (int g = 0; g < o.groupCount(); g++) {
      int start = (int) o.groupStart(g);
      int len = (int) (o.groupEnd(g) - start);
      Blake3.nativeLib().groupCvs(data, start, len, g, again, g * 32);
    }
    assertArrayEquals(cvs, again, "group by group equals the one pass");
  }

  /** data[start, end) in a direct buffer, at position 3 (so that the position is honoured). */
  private static ByteBuffer direct(byte[] data, int start, int end) {
    ByteBuffer b = ByteBuffer.allocateDirect(end - start + 3);
    b.position(3);
    b.put(data, start, end - start).flip().position(3);
    return b;
  }

  private static byte[] withSize(byte[] encoded, long size) {
    byte[] copy = encoded.clone();
    ByteBuffer.wrap(copy).putLong(1, size);
    return copy;
  }
}
