package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** The codec's algebra: byte round trips, string round trips, one order. */
class KeyBytesProperties {
  /** Byte strings rich in the bytes that make or break UTF-8 sequences. */
  @Provide
  Arbitrary<byte[]> names() {
    Arbitrary<Byte> interesting =
        Arbitraries.of(
            (byte) 'a',
            (byte) '/',
            (byte) 0,
            (byte) 0x7F,
            (byte) 0x80,
            (byte) 0x8F,
            (byte) 0x90,
            (byte) 0x9F,
            (byte) 0xA0,
            (byte) 0xA9,
            (byte) 0xBF,
            (byte) 0xC0,
            (byte) 0xC2,
            (byte) 0xC3,
            (byte) 0xDF,
            (byte) 0xE0,
            (byte) 0xE2,
            (byte) 0xED,
            (byte) 0xEF,
            (byte) 0xF0,
            (byte) 0xF4,
            (byte) 0xF5,
            (byte) 0xFF);
    Arbitrary<Byte> any = Arbitraries.bytes();
    return Arbitraries.frequencyOf(
            net.jqwik.api.Tuple.of(3, interesting), net.jqwik.api.Tuple.of(1, any))
        .array(byte[].class)
        .ofMaxSize(24);
  }

  @Property(tries = 3000)
  void everyByteStringRoundTrips(@ForAll("names") byte[] b) {
    assertArrayEquals(b, KeyBytes.encode(KeyBytes.decode(b)));
  }

  @Property(tries = 3000)
  void decodedStringsAreCanonicalAndRoundTrip(@ForAll("names") byte[] b) {
    String s = KeyBytes.decode(b);
    assertTrue(KeyBytes.isCanonical(s), s);
    assertEquals(s, KeyBytes.decode(KeyBytes.encode(s)));
    assertEquals(b.length, KeyBytes.encodedLength(s));
  }

  @Property(tries = 3000)
  void validUnicodeIsCanonicalAndEncodesAsUtf8(@ForAll String s) {
    boolean wellFormed = s.codePoints().noneMatch(cp -> cp >= 0xD800 && cp <= 0xDFFF);
    if (wellFormed) {
      assertTrue(KeyBytes.isCanonical(s));
      assertArrayEquals(s.getBytes(java.nio.charset.StandardCharsets.UTF_8), KeyBytes.encode(s));
      assertEquals(s, KeyBytes.decode(KeyBytes.encode(s)));
    }
  }

  @Property(tries = 3000)
  void orderIsUnsignedByteOrder(@ForAll("names") byte[] a, @ForAll("names") byte[] b) {
    String sa = KeyBytes.decode(a);
    String sb = KeyBytes.decode(b);
    assertEquals(
        Integer.signum(Arrays.compareUnsigned(a, b)), Integer.signum(KeyBytes.compare(sa, sb)));
    assertEquals(
        a.length >= b.length && Arrays.equals(a, 0, b.length, b, 0, b.length),
        KeyBytes.startsWith(sa, sb));
  }

  @Property(tries = 3000)
  void withoutEscapesTheOrderIsCodePointOrder(@ForAll String a, @ForAll String b) {
    if (KeyBytes.isCanonical(a) && KeyBytes.isCanonical(b)) {
      int byCodePoint = Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray());
      if (a.chars().noneMatch(c -> KeyBytes.isEscape((char) c))
          && b.chars().noneMatch(c -> KeyBytes.isEscape((char) c))) {
        assertEquals(Integer.signum(byCodePoint), Integer.signum(KeyBytes.compare(a, b)));
      }
    }
  }

  @Property(tries = 2000)
  void canonicalMeansRoundTrip(@ForAll("names") byte[] b, @ForAll int cut) {
    // Escapes of a well-formed sequence inserted by hand are never canonical.
    String s = KeyBytes.decode(b);
    StringBuilder forged = new StringBuilder();
    for (byte x : "\u00e9".getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      forged.append((char) (0xDC00 | (x & 0xFF)));
    }
    int at = Math.floorMod(cut, s.length() + 1);
    if (at > 0 && Character.isHighSurrogate(s.charAt(at - 1))) {
      at--;
    }
    String bad = s.substring(0, at) + forged + s.substring(at);
    boolean canonical = KeyBytes.decode(KeyBytes.encode(bad)).equals(bad);
    assertEquals(canonical, KeyBytes.isCanonical(bad));
    // C3 is no continuation byte: no neighbour can absorb it, so C3 A9 always reads back as 'é'.
    assertTrue(!canonical);
  }
}
