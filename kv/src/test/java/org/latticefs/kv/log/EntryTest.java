package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.BlobRef;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.KeyBytes;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Op;

class EntryTest {
  private static final NodeId AUTHOR = new NodeId(new byte[32]);
  private static final UUID STORE = new UUID(7, 9);

  /** Layout of {@link #simple}: one parents record "/a" (no heads), one put "/a" = "xyz". */
  private static final int P_COUNT = 100;

  private static final int P_KEY_LEN = 102;
  private static final int P_KEY = 104;
  private static final int P_HEADS = 106;
  private static final int OP_COUNT = 107;
  private static final int OP_TAG = 109;
  private static final int OP_KEY_LEN = 110;
  private static final int OP_KEY = 112;
  private static final int VALUE_LEN = 114;

  private static Entry simple() {
    return new Entry(
        STORE,
        AUTHOR,
        1,
        Entry.GENESIS,
        new Hlc(5, 6),
        List.of(new KeyParents("/a", List.of())),
        List.of(Op.Put.utf8("/a", "xyz")));
  }

  @Property(tries = 500)
  void roundTripIsCanonical(@ForAll long seed) throws Exception {
    Entry e = RandomEntries.entry(new Random(seed));
    byte[] encoded = e.encode();
    Entry back = Entry.decode(encoded);
    assertEquals(e, back);
    assertArrayEquals(encoded, back.encode());
  }

  @Test
  void layoutIsAsDocumented() {
    byte[] b = simple().encode();
    assertEquals(118 + 3, b.length);
    assertArrayEquals(new byte[] {'L', 'T', 'E', 1}, Arrays.copyOf(b, 4));
    assertEquals(1, b[P_COUNT + 1]);
    assertEquals(2, b[P_KEY_LEN + 1]);
    assertEquals('a', b[P_KEY + 1]);
    assertEquals(0, b[P_HEADS]);
    assertEquals(1, b[OP_COUNT + 1]);
    assertEquals(1, b[OP_TAG]);
    assertEquals(2, b[OP_KEY_LEN + 1]);
    assertEquals('/', b[OP_KEY]);
    assertEquals(3, b[VALUE_LEN + 3]);
  }

  @Test
  void constructorSortsParentsAndHeads() {
    BlobRef lo = new BlobRef(filled(1));
    BlobRef hi = new BlobRef(filled(2));
    Entry e =
        new Entry(
            STORE,
            AUTHOR,
            2,
            hi,
            Hlc.ZERO,
            List.of(new KeyParents("/b", List.of(hi, lo)), new KeyParents("/a", List.of())),
            List.of(new Op.Delete("/b"), new Op.Delete("/a")));
    assertEquals("/a", e.parents().get(0).key());
    assertEquals(List.of(lo, hi), e.parentsOf("/b"));
  }

  @Test
  void keyOrderIsCodePointOrder() {
    // U+FF61 sorts after U+1F600 in UTF-16 but before it by code point (and UTF-8 bytes).
    assertTrue("\uff61".compareTo("😀") > 0);
    assertTrue(KeyBytes.ORDER.compare("\uff61", "😀") < 0);
  }

  @Test
  void constructorRejectsInvalidEntries() {
    List<KeyParents> pa = List.of(new KeyParents("/a", List.of()));
    List<Op> opA = List.of(new Op.Delete("/a"));
    Hlc t = Hlc.ZERO;
    BlobRef x = new BlobRef(filled(3));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Entry(STORE, AUTHOR, 0, Entry.GENESIS, t, pa, opA));
    assertThrows(IllegalArgumentException.class, () -> new Entry(STORE, AUTHOR, 1, x, t, pa, opA));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Entry(STORE, AUTHOR, 2, Entry.GENESIS, t, pa, opA));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Entry(STORE, AUTHOR, 1, Entry.GENESIS, t, List.of(), List.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Entry(STORE, AUTHOR, 1, Entry.GENESIS, t, List.of(), opA));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Entry(
                STORE,
                AUTHOR,
                1,
                Entry.GENESIS,
                t,
                List.of(new KeyParents("/a", List.of()), new KeyParents("/b", List.of())),
                opA));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            new Entry(
                STORE,
                AUTHOR,
                1,
                Entry.GENESIS,
                t,
                List.of(new KeyParents("/a", List.of()), new KeyParents("/a", List.of())),
                opA));
    assertThrows(IllegalArgumentException.class, () -> new KeyParents("/a", List.of(x, x)));
    assertThrows(IllegalArgumentException.class, () -> new KeyParents("", List.of()));
    assertThrows(IllegalArgumentException.class, () -> new KeyParents("/\ud800", List.of()));
    assertThrows(
        IllegalArgumentException.class, () -> new KeyParents("/" + "x".repeat(4096), List.of()));
    new KeyParents("/" + "x".repeat(4095), List.of());
    String big = "/" + "é".repeat(2048); // 4097 bytes of UTF-8
    assertThrows(IllegalArgumentException.class, () -> new KeyParents(big, List.of()));
    List<BlobRef> tooMany = new java.util.ArrayList<>();
    for (int i = 0; i < 65; i++) {
      tooMany.add(new BlobRef(filled(i + 1)));
    }
    assertThrows(IllegalArgumentException.class, () -> new KeyParents("/a", tooMany));
    byte[] huge = new byte[Entry.MAX_VALUE_BYTES + 1];
    assertThrows(
        IllegalArgumentException.class,
        () -> new Entry(STORE, AUTHOR, 1, Entry.GENESIS, t, pa, List.of(new Op.Put("/a", huge))));
  }

  @Test
  void wholeEntryLimit() throws Exception {
    byte[] mib = new byte[Entry.MAX_VALUE_BYTES];
    List<Op> ops = new java.util.ArrayList<>();
    List<KeyParents> parents = new java.util.ArrayList<>();
    for (int i = 0; i < 16; i++) {
      ops.add(new Op.Put("/" + i, mib));
      parents.add(new KeyParents("/" + i, List.of()));
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new Entry(STORE, AUTHOR, 1, Entry.GENESIS, Hlc.ZERO, parents, ops));
    assertTrue(e.getMessage().contains("over"), e.getMessage());
    Entry fifteen =
        new Entry(
            STORE, AUTHOR, 1, Entry.GENESIS, Hlc.ZERO, parents.subList(0, 15), ops.subList(0, 15));
    assertEquals(fifteen, Entry.decode(fifteen.encode()));
    byte[] over = new byte[Entry.MAX_ENCODED_BYTES + 1];
    assertMalformed(over, "over the limit");
  }

  @Test
  void truncatedAtEveryOffsetIsRejected() throws Exception {
    Random r = new Random(42);
    for (int i = 0; i < 20; i++) {
      byte[] b = RandomEntries.entry(r).encode();
      for (int len = 0; len < b.length; len++) {
        assertMalformed(Arrays.copyOf(b, len), "");
      }
    }
  }

  @Test
  void trailingBytesAreRejected() {
    byte[] b = simple().encode();
    assertMalformed(Arrays.copyOf(b, b.length + 1), "trailing");
    assertMalformed(Arrays.copyOf(b, b.length + 100), "trailing");
  }

  @Test
  void badMagicAndUnknownVersionAreRejected() {
    byte[] b = simple().encode();
    b[3] = 2;
    assertMalformed(b, "unknown entry version 2");
    b[0] = 'X';
    assertMalformed(b, "bad magic");
  }

  @Test
  void oversizedLengthPrefixesAreRejected() {
    assertMalformed(patchInt(simple().encode(), VALUE_LEN, 0x8000_0000), "over");
    assertMalformed(patchInt(simple().encode(), VALUE_LEN, 0xffff_ffff), "over");
    assertMalformed(patchInt(simple().encode(), VALUE_LEN, Entry.MAX_VALUE_BYTES + 1), "over");
    assertMalformed(patchInt(simple().encode(), VALUE_LEN, 4), "truncated");
    assertMalformed(patchShort(simple().encode(), OP_KEY_LEN, 0xffff), "out of range");
    assertMalformed(patchShort(simple().encode(), OP_KEY_LEN, 0), "out of range");
    assertMalformed(patchShort(simple().encode(), P_KEY_LEN, 4097), "out of range");
    assertMalformed(patchShort(simple().encode(), P_COUNT, 0xffff), "out of range");
    assertMalformed(patchShort(simple().encode(), P_COUNT, 0), "out of range");
    assertMalformed(patchShort(simple().encode(), OP_COUNT, 10_001), "out of range");
    assertMalformed(patchShort(simple().encode(), OP_COUNT, 0), "out of range");
    byte[] b = simple().encode();
    b[P_HEADS] = (byte) 65;
    assertMalformed(b, "over 64");
    b[P_HEADS] = (byte) 255;
    assertMalformed(b, "over 64");
  }

  @Test
  void keysAreByteStringsThatNeedNotBeUtf8() throws Exception {
    byte[][] names = {
      {'/', 'c', 'a', 'f', (byte) 0xe9}, // Latin-1 'café'
      {'/', 'c', 'a', 'f', (byte) 0xe8},
      {'/', (byte) 0xc0, (byte) 0xaf}, // overlong '/'
      {'/', (byte) 0xff, 'a'},
      {'/', (byte) 0xed, (byte) 0xa0, (byte) 0x80}, // CESU-8 style surrogate
      {'/', (byte) 0x80}, // lone continuation byte
    };
    List<String> keys = new java.util.ArrayList<>();
    for (byte[] name : names) {
      String key = KeyBytes.decode(name);
      keys.add(key);
      Entry e =
          new Entry(
              STORE,
              AUTHOR,
              1,
              Entry.GENESIS,
              Hlc.ZERO,
              List.of(new KeyParents(key, List.of())),
              List.of(new Op.Delete(key)));
      byte[] encoded = e.encode();
      byte[] expected = Arrays.copyOfRange(encoded, 104, 104 + name.length);
      assertArrayEquals(name, expected, "the key's own bytes are in the encoding");
      Entry back = Entry.decode(encoded);
      assertEquals(e, back);
      assertArrayEquals(encoded, back.encode());
    }
    assertEquals(names.length, new java.util.HashSet<>(keys).size(), "no two names collide");
    // A first byte other than '/' or a NUL byte is still refused.
    byte[] b = simple().encode();
    b[OP_KEY] = (byte) 0xc0;
    assertMalformed(b, "starts with '/'");
    b = simple().encode();
    b[OP_KEY + 1] = 0;
    assertMalformed(b, "NUL");
  }

  @Test
  void nonCanonicalOrderIsRejected() {
    Entry two =
        new Entry(
            STORE,
            AUTHOR,
            1,
            Entry.GENESIS,
            Hlc.ZERO,
            List.of(new KeyParents("/a", List.of()), new KeyParents("/b", List.of())),
            List.of(new Op.Delete("/a"), new Op.Delete("/b")));
    byte[] b = two.encode();
    assertEquals('a', b[105]);
    assertEquals('b', b[110]);
    b[105] = 'b';
    b[110] = 'a';
    assertMalformed(b, "not strictly ascending");
    byte[] dup = two.encode();
    dup[110] = 'a';
    assertMalformed(dup, "not strictly ascending");

    BlobRef lo = new BlobRef(filled(1));
    BlobRef hi = new BlobRef(filled(2));
    Entry heads =
        new Entry(
            STORE,
            AUTHOR,
            1,
            Entry.GENESIS,
            Hlc.ZERO,
            List.of(new KeyParents("/a", List.of(lo, hi))),
            List.of(new Op.Delete("/a")));
    byte[] h = heads.encode();
    byte[] swapped = h.clone();
    System.arraycopy(h, 107, swapped, 139, 32);
    System.arraycopy(h, 139, swapped, 107, 32);
    assertMalformed(swapped, "not strictly ascending");
  }

  @Test
  void structuralViolationsAreRejected() {
    byte[] b = simple().encode();
    b[OP_TAG] = 9;
    assertMalformed(b, "unknown op tag 9");
    byte[] seq0 = simple().encode();
    seq0[59] = 0;
    assertMalformed(seq0, "seq");
    byte[] prevNotGenesis = simple().encode();
    prevNotGenesis[70] = 1;
    assertMalformed(prevNotGenesis, "GENESIS");
    byte[] noSlash = simple().encode();
    noSlash[OP_KEY] = 'x';
    assertMalformed(noSlash, "starts with '/'");
    byte[] nul = simple().encode();
    nul[P_KEY + 1] = 0;
    assertMalformed(nul, "NUL");
    byte[] otherKey = simple().encode();
    otherKey[OP_KEY + 1] = 'b';
    assertMalformed(otherKey, "parents must name exactly the keys");
  }

  @Property(tries = 3000)
  void randomBytesAreRejectedCleanly(@ForAll @Size(max = 600) byte[] bytes) {
    decodeOnlyMalformedOrCanonical(bytes);
  }

  @Property(tries = 3000)
  void randomBytesAfterAValidHeaderAreRejectedCleanly(
      @ForAll @Size(max = 400) byte[] tail, @ForAll long seed) {
    byte[] head = RandomEntries.entry(new Random(seed)).encode();
    byte[] b = Arrays.copyOf(head, 100 + tail.length);
    System.arraycopy(tail, 0, b, 100, tail.length);
    decodeOnlyMalformedOrCanonical(b);
  }

  @Property(tries = 5000)
  void mutatedEncodingsAreRejectedOrCanonical(@ForAll long seed) {
    Random r = new Random(seed);
    byte[] b = RandomEntries.entry(r).encode();
    decodeOnlyMalformedOrCanonical(Mutations.mutate(r, b));
  }

  /** The decoder either rejects with MalformedEntryException or accepts a canonical encoding. */
  static void decodeOnlyMalformedOrCanonical(byte[] bytes) {
    Entry e;
    try {
      e = Entry.decode(bytes);
    } catch (MalformedEntryException expected) {
      return;
    }
    assertArrayEquals(bytes, e.encode(), "accepted a non-canonical encoding");
  }

  static void assertMalformed(byte[] bytes, String messagePart) {
    MalformedEntryException e =
        assertThrows(MalformedEntryException.class, () -> Entry.decode(bytes));
    assertTrue(
        e.getMessage().contains(messagePart),
        () -> "expected \"" + messagePart + "\" in: " + e.getMessage());
  }

  private static byte[] patchInt(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 24);
    b[at + 1] = (byte) (v >>> 16);
    b[at + 2] = (byte) (v >>> 8);
    b[at + 3] = (byte) v;
    return b;
  }

  private static byte[] patchShort(byte[] b, int at, int v) {
    b[at] = (byte) (v >>> 8);
    b[at + 1] = (byte) v;
    return b;
  }

  private static byte[] filled(int v) {
    byte[] b = new byte[32];
    Arrays.fill(b, (byte) v);
    return b;
  }
}
