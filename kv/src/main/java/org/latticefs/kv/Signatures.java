package org.latticefs.kv;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lattice's one Ed25519 rule, run on the {@link Ed25519Engine} this process uses: every signature
 * in every log is judged by it, so two nodes never disagree on a log whichever engine each runs.
 *
 * <h2>The rule</h2>
 *
 * A signature (R, S) of a message M by public key A is valid exactly when
 *
 * <ol>
 *   <li>A is the canonical encoding (y &lt; p) of a point of prime order L: not of small order
 *       (identity, order 2, 4, 8) and without a small-order component (not "mixed order");
 *   <li>S &lt; L;
 *   <li>R is a canonical encoding of a curve point;
 *   <li>[8][S]B = [8]R + [8][k]A with k = SHA-512(R ‖ A ‖ M) mod L (RFC 8032's equation with the
 *       cofactor, as BouncyCastle checks it).
 * </ol>
 *
 * Why this one. BouncyCastle's {@code Ed25519.verify} alone accepts mixed-order keys; libsodium
 * 1.0.18's {@code crypto_sign_verify_detached} also refuses small-order R and checks the equation
 * without the cofactor, so it refuses some signatures BouncyCastle accepts (an R with a small-order
 * part; cases 2, 4 and 5 of the ed25519-speccheck vectors) and never accepts one BouncyCastle
 * refuses. Holding keys to prime order (1.) removes the mixed-order keys; the cofactored equation
 * (4.) is then BouncyCastle's answer, which a libsodium engine reaches by asking BouncyCastle
 * whenever libsodium says no (invalid signatures are rare, valid ones take the fast path). The
 * cofactored equation is also the one batch verification can check with the same answers. An honest
 * key and signer always pass. The rule is final: changing it would let old and new nodes disagree
 * on a log.
 *
 * <h2>The engine</h2>
 *
 * {@link BouncyCastleEd25519} until the composition root {@linkplain #use installs} another (node
 * installs libsodium where it loads and passes its self-check). The engine is process-wide, like a
 * JCA provider, because signatures are checked deep inside records and log recovery; installing one
 * changes speed only. Thread-safe.
 */
public final class Signatures {
  private static final Logger LOG = LoggerFactory.getLogger(Signatures.class);
  private static final int KEY_CACHE = 4096;
  private static final ConcurrentHashMap<NodeId, Boolean> ADMITTED = new ConcurrentHashMap<>();
  private static volatile Ed25519Engine engine = BouncyCastleEd25519.INSTANCE;

  private Signatures() {}

  /** The engine in use. */
  public static Ed25519Engine engine() {
    return engine;
  }

  /**
   * Makes {@code next} the engine of this process (the caller has checked it meets the {@link
   * Ed25519Engine} contract); returns the one it replaces.
   */
  public static Ed25519Engine use(Ed25519Engine next) {
    Objects.requireNonNull(next, "engine");
    Ed25519Engine previous = engine;
    engine = next;
    if (previous != next) {
      LOG.info("Ed25519 engine: {} (was {})", next.name(), previous.name());
    }
    return previous;
  }

  /**
   * Whether {@code publicKey} may sign under the rule: a canonical encoding of a point of prime
   * order.
   */
  public static boolean admits(NodeId publicKey) {
    Boolean known = ADMITTED.get(publicKey);
    if (known == null) {
      known = Ed25519.validatePublicKeyFull(publicKey.publicKey(), 0);
      if (ADMITTED.size() >= KEY_CACHE) {
        ADMITTED.clear();
      }
      ADMITTED.put(publicKey, known);
    }
    return known;
  }

  /**
   * Whether {@code signature} is {@code author}'s valid signature of {@code message[off, off+len)}
   * under the rule (see the class documentation); false for a null or wrongly sized signature.
   */
  public static boolean verify(NodeId author, byte[] message, int off, int len, byte[] signature) {
    Objects.checkFromIndexSize(off, len, message.length);
    return signature != null
        && signature.length == Identity.SIGNATURE_LENGTH
        && admits(author)
        && engine.verify(author.publicKey(), message, off, len, signature);
  }
}
