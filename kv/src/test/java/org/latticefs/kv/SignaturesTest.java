package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import java.util.Random;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.junit.jupiter.api.Test;

/**
 * Lattice's Ed25519 rule on kv's own engine: the hostile signatures BouncyCastle alone accepts are
 * refused. (node's {@code SodiumEd25519Test} checks libsodium gives the same answers.)
 */
class SignaturesTest {
  private static final HexFormat HEX = HexFormat.of();

  /**
   * Cases 2–5 of ed25519-speccheck (github.com/novifinancial/ed25519-speccheck, Apache 2.0):
   * message, key, signature. BouncyCastle's {@code Ed25519.verify} accepts all four (cofactored
   * equation, mixed-order keys); libsodium accepts only case 3.
   */
  private static final String[][] ACCEPTED_BY_BOUNCYCASTLE_ALONE = {
    {
      "aebf3f2601a0c8c5d39cc7d8911642f740b78168218da8471772b35f9d35b9ab",
      "f7badec5b8abeaf699583992219b7b223f1df3fbbea919844e3f7c554a43dd43",
      "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa"
          + "8c4bd45aecaca5b24fb97bc10ac27ac8751a7dfe1baff8b953ec9f5833ca260e"
    },
    {
      "9bd9f44f4dcc75bd531b56b2cd280b0bb38fc1cd6d1230e14861d861de092e79",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "9046a64750444938de19f227bb80485e92b83fdb4b6506c160484c016cc1852f"
          + "87909e14428a7a1d62e9f22f3d3ad7802db02eb2e688b6c52fcd6648a98bd009"
    },
    {
      "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "160a1cb0dc9c0258cd0a7d23e94d8fa878bcb1925f2c64246b2dee1796bed512"
          + "5ec6bc982a269b723e0668e540911a9a6a58921d6925e434ab10aa7940551a09"
    },
    {
      "e47d62c63f830dc7a6851a0b1f33ae4bb2f507fb6cffec4011eaccd55b53f56c",
      "cdb267ce40c5cd45306fa5d2f29731459387dbf9eb933b7bd5aed9a765b88d4d",
      "21122a84e0b5fca4052f5b1235c80a537878b38f3142356b2c2384ebad4668b7"
          + "e40bc836dac0f71076f9abe3a53f9c03c1ceeeddb658d0030494ace586687405"
    }
  };

  @Test
  void refusesWhatOnlyTheCofactoredEquationOrAMixedOrderKeyAccepts() {
    for (String[] c : ACCEPTED_BY_BOUNCYCASTLE_ALONE) {
      byte[] msg = HEX.parseHex(c[0]);
      byte[] pk = HEX.parseHex(c[1]);
      byte[] sig = HEX.parseHex(c[2]);
      assertTrue(Ed25519.verify(sig, 0, pk, 0, msg, 0, msg.length), "BouncyCastle alone: " + c[1]);
      assertFalse(Signatures.verify(new NodeId(pk), msg, 0, msg.length, sig), c[2]);
    }
    assertFalse(Signatures.admits(new NodeId(HEX.parseHex(ACCEPTED_BY_BOUNCYCASTLE_ALONE[1][1]))));
  }

  @Test
  void acceptsHonestSignaturesAndAdmitsHonestKeys() {
    Random random = new Random(3);
    for (int i = 0; i < 20; i++) {
      Identity id = Identity.generate(random);
      byte[] msg = new byte[random.nextInt(300)];
      random.nextBytes(msg);
      byte[] sig = id.sign(msg);
      assertTrue(Signatures.admits(id.id()));
      assertTrue(Signatures.verify(id.id(), msg, 0, msg.length, sig));
      sig[random.nextInt(64)] ^= 1;
      assertFalse(Signatures.verify(id.id(), msg, 0, msg.length, sig));
    }
  }

  @Test
  void refusesWrongSizedSignaturesAndUsesBouncyCastleByDefault() {
    Identity id = Identity.generate(new Random(4));
    byte[] msg = {1, 2, 3};
    assertFalse(Signatures.verify(id.id(), msg, 0, 3, new byte[63]));
    assertFalse(Signatures.verify(id.id(), msg, 0, 3, null));
    assertSame(BouncyCastleEd25519.INSTANCE, Signatures.engine());
  }
}
