package org.latticefs.cas.chunk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;

/** Manifest format version 2: holes in leaves, hole bytes below interior entries. */
class ManifestHolesTest {
  private static final BlobRef R = new BlobRef(new byte[32]);

  @Provide
  Arbitrary<Manifest> manifestsWithHoles() {
    Arbitrary<Manifest> leaves =
        nodes(
            Arbitraries.longs().between(1, Manifest.MAX_CHUNK_LENGTH),
            Arbitraries.integers().between(0, 3),
            ManifestHolesTest::leaf);
    Arbitrary<Manifest> interior =
        Arbitraries.integers()
            .between(1, Manifest.MAX_LEVEL)
            .flatMap(
                level ->
                    nodes(
                        Arbitraries.longs().between(1, Long.MAX_VALUE / Manifest.MAX_ENTRIES),
                        Arbitraries.longs().between(0, Long.MAX_VALUE),
                        (lengths, refs, holes) -> interior(level, lengths, refs, holes)));
    return Arbitraries.oneOf(leaves, interior);
  }

  /** Makes a node from its entries' lengths, refs and one more value each. */
  @FunctionalInterface
  interface NodeOf<T> {
    Manifest make(List<Long> lengths, List<BlobRef> refs, List<T> extra);
  }

  /** Nodes of 1 to 200 entries with lengths from {@code lengths} and {@code extra} values. */
  private static <T> Arbitrary<Manifest> nodes(
      Arbitrary<Long> lengths, Arbitrary<T> extra, NodeOf<T> make) {
    Arbitrary<BlobRef> refs =
        Arbitraries.bytes().array(byte[].class).ofSize(BlobRef.LENGTH).map(BlobRef::new);
    return lengths
        .list()
        .ofMinSize(1)
        .ofMaxSize(200)
        .flatMap(
            ls ->
                refs.list()
                    .ofSize(ls.size())
                    .flatMap(
                        rs -> extra.list().ofSize(ls.size()).map(xs -> make.make(ls, rs, xs))));
  }

  /** A leaf whose entry i is a hole when kinds[i] == 0 and the entry before it is not one. */
  private static Manifest leaf(List<Long> lengths, List<BlobRef> refs, List<Integer> kinds) {
    List<Manifest.Entry> es = new ArrayList<>();
    for (int i = 0; i < lengths.size(); i++) {
      boolean hole = kinds.get(i) == 0 && (es.isEmpty() || !es.get(es.size() - 1).isHole());
      es.add(
          hole
              ? Manifest.Entry.hole(lengths.get(i) * 1000)
              : new Manifest.Entry(refs.get(i), lengths.get(i)));
    }
    return Manifest.of(0, es);
  }

  private static Manifest interior(
      int level, List<Long> lengths, List<BlobRef> refs, List<Long> holes) {
    List<Manifest.Entry> es = new ArrayList<>();
    for (int i = 0; i < lengths.size(); i++) {
      long len = lengths.get(i);
      es.add(new Manifest.Entry(refs.get(i), len, holes.get(i) % (len + 1)));
    }
    return Manifest.of(level, es);
  }

  @Property(tries = 300)
  void encodeDecodeRoundTripsWithHoles(@ForAll("manifestsWithHoles") Manifest m) throws Exception {
    byte[] enc = m.encode();
    assertEquals(m.holeBytes() > 0 ? 2 : 1, enc[3], "version 2 exactly when there are holes");
    Manifest back = Manifest.decode(enc);
    assertEquals(m, back);
    assertArrayEquals(enc, back.encode());
    assertEquals(m.entries(), back.entries());
    assertEquals(m.holeBytes(), back.holeBytes());
    long holes = 0;
    for (int i = 0; i < m.entryCount(); i++) {
      holes += m.entryHoleBytes(i);
      if (m.isHole(i)) {
        int k = i;
        assertThrows(IllegalStateException.class, () -> m.ref(k));
      }
    }
    assertEquals(holes, m.holeBytes());
    assertEquals(m.length() - holes, m.dataBytes());
  }

  @Property(tries = 300)
  void mutatedVersion2EncodingsAreRejectedCleanly(
      @ForAll("manifestsWithHoles") Manifest m,
      @ForAll @IntRange(min = 0, max = 1 << 20) int where,
      @ForAll @IntRange(min = 1, max = 255) int xor) {
    byte[] enc = m.encode();
    enc[where % enc.length] ^= (byte) xor;
    ManifestTest.decodesCleanly(enc);
  }

  /** A version 1 encoding written by the build before holes existed: it decodes unchanged. */
  @Test
  void version1EncodingsDecodeUnchanged() throws Exception {
    BlobRef a = BlobRef.parse("11".repeat(32));
    BlobRef b = BlobRef.parse("22".repeat(32));
    // LMF 1, level 0, 2 entries, 300 bytes: (a, 100), (b, 200)
    byte[] v1 =
        HexFormat.of()
            .parseHex(
                "4c4d4601"
                    + "00"
                    + "02"
                    + "ac02"
                    + "11".repeat(32)
                    + "64"
                    + "22".repeat(32)
                    + "c801");
    Manifest m = Manifest.decode(v1);
    assertEquals(List.of(new Manifest.Entry(a, 100), new Manifest.Entry(b, 200)), m.entries());
    assertEquals(0, m.holeBytes());
    assertArrayEquals(v1, m.encode(), "re-encoded as version 1, byte for byte");
    assertArrayEquals(v1, Manifest.of(0, m.entries()).encode());
  }

  @Test
  void aHugeSparseLeafIsTiny() throws Exception {
    long tb = 1L << 40;
    Manifest m =
        Manifest.of(
            0,
            List.of(
                new Manifest.Entry(R, 4096),
                Manifest.Entry.hole(tb / 2),
                new Manifest.Entry(R, 4096),
                Manifest.Entry.hole(tb / 2 - 3 * 4096),
                new Manifest.Entry(R, 4096)));
    assertEquals(tb, m.length());
    assertEquals(3 * 4096, m.dataBytes());
    assertTrue(m.encode().length < 200, m.encode().length + " bytes");
    assertTrue(m.isHole(m.indexOf(tb / 4)));
    assertFalse(m.isHole(m.indexOf(tb / 2 + 4096)));
  }

  @Test
  void holeRulesAreEnforcedByBothWays() {
    assertThrows(
        IllegalArgumentException.class,
        () -> Manifest.of(0, List.of(Manifest.Entry.hole(5), Manifest.Entry.hole(6))),
        "adjacent holes are one hole");
    assertThrows(
        IllegalArgumentException.class,
        () -> Manifest.of(1, List.of(Manifest.Entry.hole(5))),
        "holes live in leaves");
    assertThrows(IllegalArgumentException.class, () -> new Manifest.Entry(R, 10, 11));
    assertThrows(IllegalArgumentException.class, () -> new Manifest.Entry(null, 10, 9));
    assertThrows(
        IllegalArgumentException.class,
        () -> Manifest.of(0, List.of(new Manifest.Entry(R, 10, 3))));

    byte[] ok = Manifest.of(0, List.of(new Manifest.Entry(R, 7), Manifest.Entry.hole(9))).encode();
    // 4c4d4602 00 02 10 09 | 00 ref 07 | 01 09
    byte[] headerSays8 = ok.clone();
    headerSays8[7] = 8;
    assertTrue(ManifestTest.message(headerSays8).contains("hole bytes sum to 9"));
    byte[] unknownKind = ok.clone();
    unknownKind[ok.length - 2] = 7;
    assertTrue(ManifestTest.message(unknownKind).contains("unknown kind"));
    byte[] twoHoles =
        HexFormat.of().parseHex("4c4d4602" + "00" + "02" + "0b" + "0b" + "01" + "05" + "01" + "06");
    assertTrue(ManifestTest.message(twoHoles).contains("next to each other"));
    byte[] v2WithoutHoles =
        HexFormat.of()
            .parseHex("4c4d4602" + "00" + "01" + "07" + "00" + "00" + "00".repeat(32) + "07");
    assertTrue(ManifestTest.message(v2WithoutHoles).contains("hole bytes"));
    byte[] emptyV2 = {'L', 'M', 'F', 2, 0, 0, 0, 0};
    assertTrue(ManifestTest.message(emptyV2).contains("empty"));
  }
}
