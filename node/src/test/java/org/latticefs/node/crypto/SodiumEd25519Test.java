package org.latticefs.node.crypto;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;
import org.latticefs.kv.BouncyCastleEd25519;
import org.latticefs.kv.Ed25519Engine;
import org.latticefs.kv.NodeId;
import org.latticefs.kv.Signatures;

/**
 * libsodium against BouncyCastle under Lattice's rule: the same answer on random, mutated and
 * hostile signatures, keys and messages, and the same signatures. The libraries alone disagree on
 * hostile inputs; these tests show where, and that the engines under the rule do not.
 */
class SodiumEd25519Test {
  private static final Ed25519Engine BC = BouncyCastleEd25519.INSTANCE;

  /** libsodium; a test without it is skipped, or fails under CI (which installs libsodium23). */
  private static Ed25519Engine sodium() {
    var loaded = SodiumEd25519.load();
    if (System.getenv("CI") != null) {
      assertTrue(loaded.isPresent(), "libsodium (Debian libsodium23) is not installed");
    }
    assumeTrue(loaded.isPresent(), "libsodium not installed");
    return loaded.get();
  }

  /** Lattice's rule over {@code engine}: what {@link Signatures#verify} answers with it. */
  private static boolean rule(Ed25519Engine engine, byte[] pk, byte[] msg, byte[] sig) {
    return sig.length == 64
        && Signatures.admits(new NodeId(pk))
        && engine.verify(pk, msg, 0, msg.length, sig);
  }

  /** The library alone, as its own API judges (no rule, no fallback). */
  private static boolean rawSodium(byte[] pk, byte[] msg, byte[] sig) {
    return ((SodiumEd25519) sodium()).sodiumAlone(pk, msg, sig);
  }

  private static boolean rawBouncyCastle(byte[] pk, byte[] msg, byte[] sig) {
    return Ed25519.verify(sig, 0, pk, 0, msg, 0, msg.length);
  }

  @Test
  void passesItsSelfCheck() {
    assertNull(SodiumEd25519.selfCheck(sodium()));
  }

  @Test
  void theSmallOrderEncodingsAreOfSmallOrder() {
    for (String h : SodiumEd25519.SMALL_ORDER) {
      Edwards25519.Point p = Edwards25519.decode(Edwards25519.hex(h));
      assertEquals(Edwards25519.IDENTITY, Edwards25519.times(BigInteger.valueOf(8), p), h);
      assertFalse(Signatures.admits(new NodeId(Edwards25519.hex(h))), h);
    }
    assertEquals(
        Edwards25519.IDENTITY,
        Edwards25519.times(Edwards25519.L, Edwards25519.BASE),
        "the base point has order L");
  }

  @Test
  void bothRefuseEveryCaseOfTheSpeccheckVectors() throws IOException {
    List<String[]> cases = speccheckCases();
    assertEquals(12, cases.size());
    StringBuilder rawBc = new StringBuilder();
    StringBuilder rawNa = new StringBuilder();
    for (String[] c : cases) {
      byte[] msg = Edwards25519.hex(c[1]);
      byte[] pk = Edwards25519.hex(c[2]);
      byte[] sig = Edwards25519.hex(c[3]);
      assertFalse(rule(BC, pk, msg, sig), "case " + c[0] + " under the rule on BouncyCastle");
      assertFalse(rule(sodium(), pk, msg, sig), "case " + c[0] + " under the rule on libsodium");
      rawBc.append(rawBouncyCastle(pk, msg, sig) ? 'V' : 'X');
      rawNa.append(rawSodium(pk, msg, sig) ? 'V' : 'X');
    }
    // What the libraries alone do (the speccheck table's notation, cases 0..11): they disagree on
    // case 2 (small-order R), 4 and 5 (mixed-order key, valid only with the cofactor); the rule
    // refuses all three for their keys.
    assertEquals("XXXVXXXXXXXX", rawNa.toString(), "libsodium 1.0.18 alone");
    assertEquals("XXVVVVXXXXXX", rawBc.toString(), "BouncyCastle 1.87 alone");
  }

  @Test
  void aHostileSignerSplitsTheLibrariesButNotTheRule() {
    byte[] seed = new byte[32];
    new Random(5).nextBytes(seed);
    BigInteger[] ap = Edwards25519.expand(seed);
    byte[] pk = Edwards25519.encode(Edwards25519.times(ap[0], Edwards25519.BASE));
    byte[] msg = "an entry".getBytes(StandardCharsets.UTF_8);
    // R with a small-order part: valid with the cofactor (BouncyCastle, the rule), not without
    // (libsodium alone); the libsodium engine asks BouncyCastle and gives the rule's answer.
    byte[] mixedR = Edwards25519.sign(ap[0], ap[1], pk, msg, Edwards25519.T8);
    assertTrue(rawBouncyCastle(pk, msg, mixedR));
    assertFalse(rawSodium(pk, msg, mixedR));
    assertTrue(rule(BC, pk, msg, mixedR));
    assertTrue(rule(sodium(), pk, msg, mixedR));
    // The same signer with a mixed-order key: BouncyCastle alone accepts, the rule refuses.
    byte[] mixedKey =
        Edwards25519.encode(
            Edwards25519.add(Edwards25519.times(ap[0], Edwards25519.BASE), Edwards25519.T8));
    byte[] underMixedKey = Edwards25519.sign(ap[0], ap[1], mixedKey, msg, Edwards25519.IDENTITY);
    assertTrue(rawBouncyCastle(mixedKey, msg, underMixedKey));
    assertFalse(rule(BC, mixedKey, msg, underMixedKey));
    assertFalse(rule(sodium(), mixedKey, msg, underMixedKey));
    // The honest signature passes everywhere.
    byte[] honest = Edwards25519.sign(ap[0], ap[1], pk, msg, Edwards25519.IDENTITY);
    assertTrue(rawSodium(pk, msg, honest));
    assertTrue(rule(BC, pk, msg, honest));
    assertTrue(rule(sodium(), pk, msg, honest));
  }

  /** How a test case derives the input both engines judge from an honest signature. */
  enum Mutation {
    NONE,
    FLIP_SIGNATURE_BIT,
    FLIP_MESSAGE_BIT,
    FLIP_KEY_BIT,
    S_PLUS_L,
    SMALL_ORDER_R,
    MIXED_ORDER_R,
    MIXED_ORDER_KEY,
    MIXED_ORDER_KEY_AND_R,
    SMALL_ORDER_KEY,
    RANDOM_SIGNATURE,
    RANDOM_KEY,
    NON_CANONICAL_KEY,
    NON_CANONICAL_R
  }

  @Provide
  Arbitrary<byte[]> seeds() {
    return Arbitraries.bytes().array(byte[].class).ofSize(32);
  }

  @Provide
  Arbitrary<byte[]> messages() {
    return Arbitraries.bytes().array(byte[].class).ofMinSize(0).ofMaxSize(600);
  }

  @Property(tries = 400)
  void bothEnginesGiveTheSameAnswer(
      @ForAll("seeds") byte[] seed,
      @ForAll("messages") byte[] msg,
      @ForAll Mutation mutation,
      @ForAll long salt) {
    Random random = new Random(salt);
    BigInteger[] ap = Edwards25519.expand(seed);
    Edwards25519.Point a = Edwards25519.times(ap[0], Edwards25519.BASE);
    byte[] pk = Edwards25519.encode(a);
    byte[] sig = new byte[64];
    sodium().sign(seed, pk, msg, 0, msg.length, sig);
    byte[] bcSig = new byte[64];
    BC.sign(seed, pk, msg, 0, msg.length, bcSig);
    assertArrayEquals(bcSig, sig, "the same deterministic signature");
    Edwards25519.Point torsion =
        Edwards25519.times(BigInteger.valueOf(1 + random.nextInt(7)), Edwards25519.T8);
    switch (mutation) {
      case NONE -> {}
      case FLIP_SIGNATURE_BIT -> sig[random.nextInt(64)] ^= (byte) (1 << random.nextInt(8));
      case FLIP_MESSAGE_BIT -> {
        if (msg.length > 0) {
          msg[random.nextInt(msg.length)] ^= (byte) (1 << random.nextInt(8));
        }
      }
      case FLIP_KEY_BIT -> pk[random.nextInt(32)] ^= (byte) (1 << random.nextInt(8));
      case S_PLUS_L -> sig = SodiumEd25519.variants(sig).get(1);
      case SMALL_ORDER_R -> {
        byte[] r = Edwards25519.hex(SodiumEd25519.SMALL_ORDER.get(random.nextInt(8)));
        System.arraycopy(r, 0, sig, 0, 32);
      }
      case MIXED_ORDER_R -> sig = Edwards25519.sign(ap[0], ap[1], pk, msg, torsion);
      case MIXED_ORDER_KEY -> {
        pk = Edwards25519.encode(Edwards25519.add(a, torsion));
        sig = Edwards25519.sign(ap[0], ap[1], pk, msg, Edwards25519.IDENTITY);
      }
      case MIXED_ORDER_KEY_AND_R -> {
        pk = Edwards25519.encode(Edwards25519.add(a, torsion));
        sig = Edwards25519.sign(ap[0], ap[1], pk, msg, torsion);
      }
      case SMALL_ORDER_KEY ->
          pk = Edwards25519.hex(SodiumEd25519.SMALL_ORDER.get(random.nextInt(8)));
      case RANDOM_SIGNATURE -> random.nextBytes(sig);
      case RANDOM_KEY -> random.nextBytes(pk);
      case NON_CANONICAL_KEY -> pk = nonCanonical(random);
      case NON_CANONICAL_R -> System.arraycopy(nonCanonical(random), 0, sig, 0, 32);
    }
    boolean bc = rule(BC, pk, msg, sig);
    boolean na = rule(sodium(), pk, msg, sig);
    assertEquals(bc, na, mutation + ": BouncyCastle " + bc + ", libsodium " + na);
    if (rawSodium(pk, msg, sig)) {
      assertTrue(rawBouncyCastle(pk, msg, sig), mutation + ": libsodium alone accepts, BC not");
    }
    switch (mutation) {
      case NONE, MIXED_ORDER_R -> assertTrue(bc, mutation + " is valid under the rule");
      case FLIP_MESSAGE_BIT -> assertEquals(msg.length == 0, bc);
      default -> assertFalse(bc, mutation + " is refused");
    }
  }

  /** y in [p, 2^255): an encoding of a small y value plus p, with a random sign bit. */
  private static byte[] nonCanonical(Random random) {
    BigInteger y = Edwards25519.P.add(BigInteger.valueOf(random.nextInt(19)));
    byte[] out = Edwards25519.littleEndian(y, 32);
    if (random.nextBoolean()) {
      out[31] |= (byte) 0x80;
    }
    return out;
  }

  private static List<String[]> speccheckCases() throws IOException {
    try (InputStream in =
        SodiumEd25519Test.class.getResourceAsStream("/ed25519-speccheck-cases.txt")) {
      List<String[]> out = new ArrayList<>();
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (!line.isBlank() && !line.startsWith("#")) {
          out.add(line.trim().split(" "));
        }
      }
      return out;
    }
  }
}
