package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;

class ManifestTest {
  @Provide
  Arbitrary<Manifest> manifests() {
    Arbitrary<BlobRef> refs =
        Arbitraries.bytes().array(byte[].class).ofSize(BlobRef.LENGTH).map(BlobRef::new);
    Arbitrary<Integer> levels = Arbitraries.integers().between(0, Manifest.MAX_LEVEL);
    return levels.flatMap(
        level -> {
          Arbitrary<Long> lengths =
              level == 0
                  ? Arbitraries.longs()
                      .between(1, Manifest.MAX_CHUNK_LENGTH)
                      .withDistribution(net.jqwik.api.RandomDistribution.biased())
                  : Arbitraries.longs().between(1, Long.MAX_VALUE / Manifest.MAX_ENTRIES);
          Arbitrary<Manifest.Entry> entries =
              Combinators.combine(refs, lengths).as(Manifest.Entry::new);
          return entries
              .list()
              .ofMinSize(level == 0 ? 0 : 1)
              .ofMaxSize(300)
              .map(es -> Manifest.of(level, es));
        });
  }

  @Property(tries = 300)
  void encodeDecodeRoundTrips(@ForAll("manifests") Manifest m) throws Exception {
    byte[] enc = m.encode();
    Manifest back = Manifest.decode(enc);
    assertEquals(m, back);
    assertArrayEquals(enc, back.encode());
    assertEquals(m.entries(), back.entries());
    assertEquals(m.length(), back.length());
  }

  /** Decoding either rejects cleanly or accepts the unique encoding of what it returns. */
  static void decodesCleanly(byte[] bytes) {
    try {
      Manifest m = Manifest.decode(bytes);
      assertArrayEquals(bytes, m.encode(), "accepted a non-canonical encoding");
    } catch (MalformedManifestException e) {
      assertTrue(e.getMessage() != null && !e.getMessage().isEmpty());
    }
  }

  @Property(tries = 2000)
  void randomBytesAreRejectedCleanly(@ForAll @Size(max = 400) byte[] bytes) {
    decodesCleanly(bytes);
  }

  @Property(tries = 2000)
  void randomBytesBehindAValidHeaderAreRejectedCleanly(
      @ForAll @IntRange(min = 0, max = 40) int level, @ForAll @Size(max = 400) byte[] tail) {
    byte[] b = new byte[5 + tail.length];
    b[0] = 'L';
    b[1] = 'M';
    b[2] = 'F';
    b[3] = 1;
    b[4] = (byte) level;
    System.arraycopy(tail, 0, b, 5, tail.length);
    decodesCleanly(b);
  }

  @Property(tries = 1000)
  void mutatedEncodingsAreRejectedCleanly(
      @ForAll("manifests") Manifest m,
      @ForAll long seed,
      @ForAll @IntRange(min = 1, max = 4) int n) {
    byte[] b = m.encode();
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      int op = r.nextInt(4);
      int p = b.length == 0 ? 0 : r.nextInt(b.length);
      switch (op) {
        case 0 -> {
          if (b.length > 0) {
            b[p] ^= (byte) (1 << r.nextInt(8));
          }
        }
        case 1 -> b = Arrays.copyOf(b, p);
        case 2 -> {
          byte[] x = new byte[b.length + 1];
          System.arraycopy(b, 0, x, 0, p);
          x[p] = (byte) r.nextInt(256);
          System.arraycopy(b, p, x, p + 1, b.length - p);
          b = x;
        }
        default -> {
          if (b.length > 0) {
            b[p] = (byte) r.nextInt(256);
          }
        }
      }
    }
    decodesCleanly(b);
  }

  @Test
  void everyTruncationIsRejected() {
    List<Manifest.Entry> es = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      byte[] ref = new byte[32];
      ref[0] = (byte) i;
      es.add(new Manifest.Entry(new BlobRef(ref), 1000L * (i + 1)));
    }
    byte[] enc = Manifest.of(0, es).encode();
    for (int n = 0; n < enc.length; n++) {
      int len = n;
      assertThrows(
          MalformedManifestException.class, () -> Manifest.decode(Arrays.copyOf(enc, len)));
    }
    byte[] longer = Arrays.copyOf(enc, enc.length + 1);
    MalformedManifestException e =
        assertThrows(MalformedManifestException.class, () -> Manifest.decode(longer));
    assertTrue(e.getMessage().contains("trailing"), e.getMessage());
  }

  @Test
  void specificMalformationsHaveClearMessages() {
    byte[] enc = Manifest.of(0, List.of(new Manifest.Entry(new BlobRef(new byte[32]), 7))).encode();
    byte[] v3 = enc.clone();
    v3[3] = 3;
    assertTrue(message(v3).contains("unsupported manifest version 3"), message(v3));
    byte[] badLevel = enc.clone();
    badLevel[4] = (byte) (Manifest.MAX_LEVEL + 1);
    assertTrue(message(badLevel).contains("level"));
    byte[] badTotal = enc.clone();
    badTotal[6] = 8;
    assertTrue(message(badTotal).contains("sum to 7"), message(badTotal));
    byte[] zeroLen = enc.clone();
    zeroLen[enc.length - 1] = 0;
    assertTrue(message(zeroLen).contains("invalid length 0"));
    // A huge entry count in a tiny input must be rejected before anything is allocated for it.
    byte[] hugeCount = {'L', 'M', 'F', 1, 0, (byte) 0x81, (byte) 0x80, 4, 0};
    assertTrue(message(hugeCount).contains("65536"), message(hugeCount));
    byte[] manyButShort = {'L', 'M', 'F', 1, 0, (byte) 0x80, (byte) 0x80, 2, 0};
    assertTrue(message(manyButShort).contains("truncated"), message(manyButShort));
    byte[] overlong = {'L', 'M', 'F', 1, 0, (byte) 0x80, 0, 0};
    assertTrue(message(overlong).contains("non-canonical"), message(overlong));
    assertTrue(message(new byte[Manifest.MAX_ENCODED_SIZE + 1]).contains("exceeds"));
    assertTrue(message("not a manifest".getBytes()).contains("magic"));
    byte[] emptyInterior = {'L', 'M', 'F', 1, 1, 0, 0};
    assertTrue(message(emptyInterior).contains("empty"));
  }

  @Test
  void leafChunksAreLimitedButInteriorLengthsAreNot() throws Exception {
    BlobRef r = new BlobRef(new byte[32]);
    assertThrows(
        IllegalArgumentException.class,
        () -> Manifest.of(0, List.of(new Manifest.Entry(r, Manifest.MAX_CHUNK_LENGTH + 1L))));
    Manifest big = Manifest.of(3, List.of(new Manifest.Entry(r, 1L << 50)));
    assertEquals(big, Manifest.decode(big.encode()));
    assertThrows(
        ArithmeticException.class,
        () ->
            Manifest.of(
                2,
                List.of(
                    new Manifest.Entry(r, Long.MAX_VALUE), new Manifest.Entry(r, Long.MAX_VALUE))));
  }

  static String message(byte[] b) {
    return assertThrows(MalformedManifestException.class, () -> Manifest.decode(b)).getMessage();
  }

  @Test
  void emptyManifestIsAValidLeaf() throws Exception {
    Manifest e = Manifest.empty();
    assertEquals(0, e.entryCount());
    assertEquals(0, e.length());
    assertTrue(e.isLeaf());
    assertEquals(e, Manifest.decode(e.encode()));
    assertEquals(7, e.encode().length);
  }

  @Property(tries = 200)
  void indexOfFindsTheEntryHoldingAPosition(
      @ForAll("manifests") Manifest m, @ForAll @IntRange(min = 0, max = 1000) int k) {
    if (m.entryCount() == 0) {
      assertThrows(IndexOutOfBoundsException.class, () -> m.indexOf(0));
      return;
    }
    int i = k % m.entryCount();
    long start = m.entryOffset(i);
    long end = start + m.entryLength(i);
    assertEquals(i, m.indexOf(start));
    assertEquals(i, m.indexOf(end - 1));
    assertEquals(i, m.indexOf(start + (end - start) / 2));
    assertThrows(IndexOutOfBoundsException.class, () -> m.indexOf(m.length()));
    assertThrows(IndexOutOfBoundsException.class, () -> m.indexOf(-1));
  }
}
