package org.latticefs.kv.log;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.hash.Blake3;
import org.latticefs.kv.Identity;

class SignedEntryTest {
  @Property(tries = 200)
  void wireRoundTrip(@ForAll long seed) throws Exception {
    SignedEntry s = RandomEntries.signed(new Random(seed));
    assertTrue(s.verifySignature());
    assertEquals(Blake3.hash(s.encoded()), s.hash());
    SignedEntry back = SignedEntry.fromWire(s.toWire());
    assertEquals(s, back);
    assertEquals(s.entry(), back.entry());
    assertArrayEquals(s.toWire(), back.toWire());
    assertTrue(back.verifySignature());
  }

  @Test
  void badSignatureIsDetected() throws Exception {
    Random r = new Random(3);
    SignedEntry s = RandomEntries.signed(r);
    byte[] wire = s.toWire();
    for (int bit = 0; bit < 64 * 8; bit += 7) {
      byte[] w = wire.clone();
      w[w.length - 64 + bit / 8] ^= (byte) (1 << (bit % 8));
      SignedEntry bad = SignedEntry.fromWire(w);
      assertFalse(bad.verifySignature(), "bit " + bit);
      assertNotEquals(s, bad);
    }
    // Signed by someone else, claiming the author.
    Identity mallory = Identity.generate(r);
    byte[] forged = mallory.sign(s.encoded());
    assertFalse(new SignedEntry(s.entry(), s.encoded(), forged, s.hash()).verifySignature());
    // A changed entry (its HLC counter) under the original signature.
    byte[] w = wire.clone();
    w[4 + 99] ^= 1;
    SignedEntry changed = SignedEntry.fromWire(w);
    assertNotEquals(s.entry().hlc(), changed.entry().hlc());
    assertFalse(changed.verifySignature());
  }

  @Test
  void firstInvalidSignatureFindsTheFirstBadOne() throws Exception {
    Random r = new Random(12);
    java.util.List<SignedEntry> many = new java.util.ArrayList<>();
    for (int i = 0; i < 40; i++) {
      many.add(RandomEntries.signed(r));
    }
    assertEquals(-1, SignedEntry.firstInvalidSignature(many));
    assertEquals(-1, SignedEntry.firstInvalidSignature(many.subList(0, 3)));
    for (int bad : new int[] {0, 17, 39}) {
      java.util.List<SignedEntry> copy = new java.util.ArrayList<>(many);
      SignedEntry s = copy.get(bad);
      byte[] sig = s.signature();
      sig[0] ^= 1;
      copy.set(bad, new SignedEntry(s.entry(), s.encoded(), sig, s.hash()));
      if (bad != 39) {
        SignedEntry t = copy.get(39);
        byte[] sig2 = t.signature();
        sig2[1] ^= 1;
        copy.set(39, new SignedEntry(t.entry(), t.encoded(), sig2, t.hash()));
      }
      assertEquals(bad, SignedEntry.firstInvalidSignature(copy));
    }
  }

  @Test
  void signRequiresTheAuthorsKey() {
    Random r = new Random(4);
    Entry e = RandomEntries.entry(r);
    assertThrows(IllegalArgumentException.class, () -> SignedEntry.sign(e, Identity.generate(r)));
  }

  @Test
  void constructorChecksHashAndEncoding() {
    SignedEntry s = RandomEntries.signed(new Random(5));
    byte[] other = s.encoded();
    other[other.length - 1] ^= 1;
    assertThrows(
        IllegalArgumentException.class,
        () -> new SignedEntry(s.entry(), s.encoded(), s.signature(), Blake3.hash(other)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SignedEntry(s.entry(), other, s.signature(), Blake3.hash(other)));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SignedEntry(s.entry(), s.encoded(), new byte[63], s.hash()));
  }

  @Test
  void framingErrorsAreRejected() {
    byte[] wire = RandomEntries.signed(new Random(6)).toWire();
    for (int len = 0; len < wire.length; len++) {
      byte[] cut = Arrays.copyOf(wire, len);
      assertThrows(MalformedEntryException.class, () -> SignedEntry.fromWire(cut));
    }
    byte[] longer = Arrays.copyOf(wire, wire.length + 1);
    assertMessage(longer, "trailing");
    byte[] huge = wire.clone();
    huge[0] = (byte) 0x80;
    assertMessage(huge, "over the limit");
    byte[] short1 = wire.clone();
    short1[3] -= 1;
    assertMessage(short1, "does not match");
    assertThrows(MalformedEntryException.class, () -> SignedEntry.fromWire(null));
  }

  @Property(tries = 3000)
  void fromWireOfRandomBytesFailsCleanly(@ForAll @Size(max = 800) byte[] bytes) {
    try {
      SignedEntry.fromWire(bytes);
    } catch (MalformedEntryException expected) {
      return;
    }
  }

  @Property(tries = 3000)
  void fromWireOfMutatedWireFailsCleanlyOrIsCanonical(@ForAll long seed) {
    Random r = new Random(seed);
    byte[] wire = Mutations.mutate(r, RandomEntries.signed(r).toWire());
    SignedEntry s;
    try {
      s = SignedEntry.fromWire(wire);
    } catch (MalformedEntryException expected) {
      return;
    }
    assertArrayEquals(wire, s.toWire());
  }

  private static void assertMessage(byte[] wire, String part) {
    MalformedEntryException e =
        assertThrows(MalformedEntryException.class, () -> SignedEntry.fromWire(wire));
    assertTrue(e.getMessage().contains(part), e.getMessage());
  }
}
