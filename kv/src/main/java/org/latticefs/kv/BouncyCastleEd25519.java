package org.latticefs.kv;

import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.math.ec.rfc8032.Ed25519;

/**
 * kv's own {@link Ed25519Engine}: BouncyCastle's RFC 8032 code, the default and the fallback when
 * no faster engine is installed. Its {@code Ed25519.verify} (S &lt; L, R canonical, the cofactored
 * equation) is the definition of Lattice's rule for an admitted key ({@link Signatures}).
 */
public final class BouncyCastleEd25519 implements Ed25519Engine {
  /** The one instance (stateless but for a bounded cache of decoded keys). */
  public static final BouncyCastleEd25519 INSTANCE = new BouncyCastleEd25519();

  private static final int KEY_CACHE = 4096;

  private final ConcurrentHashMap<Key, Ed25519.PublicPoint> keys = new ConcurrentHashMap<>();

  static {
    Ed25519.precompute();
  }

  private BouncyCastleEd25519() {}

  @Override
  public String name() {
    return "bouncycastle";
  }

  @Override
  public boolean verify(byte[] publicKey, byte[] message, int off, int len, byte[] signature) {
    Ed25519.PublicPoint point = decoded(publicKey);
    return point != null && Ed25519.verify(signature, 0, point, message, off, len);
  }

  @Override
  public void sign(byte[] seed, byte[] publicKey, byte[] message, int off, int len, byte[] sig) {
    Ed25519.sign(seed, 0, publicKey, 0, message, off, len, sig, 0);
  }

  private Ed25519.PublicPoint decoded(byte[] publicKey) {
    Key key = new Key(publicKey);
    Ed25519.PublicPoint point = keys.get(key);
    if (point == null) {
      point = Ed25519.validatePublicKeyPartialExport(publicKey, 0);
      if (point == null) {
        return null;
      }
      if (keys.size() >= KEY_CACHE) {
        keys.clear();
      }
      keys.put(key, point);
    }
    return point;
  }

  /** A public key as a map key. */
  private record Key(byte[] bytes) {
    @Override
    public boolean equals(Object o) {
      return o instanceof Key k && java.util.Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return java.util.Arrays.hashCode(bytes);
    }
  }
}
