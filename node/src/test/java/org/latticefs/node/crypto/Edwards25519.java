package org.latticefs.node.crypto;

import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/**
 * Textbook edwards25519 arithmetic over BigInteger (slow, affine, variable time): test-only, to
 * build the signatures a hostile signer would make (keys and R with a small-order part), which no
 * library's API produces.
 */
final class Edwards25519 {
  static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));
  static final BigInteger L =
      BigInteger.TWO.pow(252).add(new BigInteger("27742317777372353535851937790883648493"));
  private static final BigInteger D =
      BigInteger.valueOf(-121665).multiply(BigInteger.valueOf(121666).modInverse(P)).mod(P);
  private static final BigInteger SQRT_M1 =
      BigInteger.TWO.modPow(P.subtract(BigInteger.ONE).shiftRight(2), P);

  /** An affine point. */
  record Point(BigInteger x, BigInteger y) {}

  static final Point IDENTITY = new Point(BigInteger.ZERO, BigInteger.ONE);
  static final Point BASE =
      decode(hex("5866666666666666666666666666666666666666666666666666666666666666"));

  /** A point of order 8. */
  static final Point T8 =
      decode(hex("c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a"));

  private Edwards25519() {}

  static Point add(Point a, Point b) {
    BigInteger xy = a.x.multiply(b.x).multiply(a.y).multiply(b.y).multiply(D).mod(P);
    BigInteger x =
        a.x.multiply(b.y).add(b.x.multiply(a.y)).multiply(BigInteger.ONE.add(xy).modInverse(P));
    BigInteger y =
        a.y
            .multiply(b.y)
            .add(a.x.multiply(b.x))
            .multiply(BigInteger.ONE.subtract(xy).modInverse(P));
    return new Point(x.mod(P), y.mod(P));
  }

  static Point times(BigInteger k, Point p) {
    Point r = IDENTITY;
    for (int i = k.bitLength() - 1; i >= 0; i--) {
      r = add(r, r);
      if (k.testBit(i)) {
        r = add(r, p);
      }
    }
    return r;
  }

  static byte[] encode(Point p) {
    byte[] out = littleEndian(p.y, 32);
    if (p.x.testBit(0)) {
      out[31] |= (byte) 0x80;
    }
    return out;
  }

  /** RFC 8032 5.1.3; throws for a string that is not a point. */
  static Point decode(byte[] s) {
    byte[] b = s.clone();
    boolean sign = (b[31] & 0x80) != 0;
    b[31] &= 0x7f;
    BigInteger y = fromLittleEndian(b);
    BigInteger u = y.multiply(y).subtract(BigInteger.ONE).mod(P);
    BigInteger v = D.multiply(y).multiply(y).add(BigInteger.ONE).mod(P);
    BigInteger x2 = u.multiply(v.modInverse(P)).mod(P);
    BigInteger x = x2.modPow(P.add(BigInteger.valueOf(3)).shiftRight(3), P);
    if (!x.multiply(x).mod(P).equals(x2)) {
      x = x.multiply(SQRT_M1).mod(P);
    }
    if (!x.multiply(x).mod(P).equals(x2)) {
      throw new IllegalArgumentException("not a point");
    }
    if (x.testBit(0) != sign) {
      x = P.subtract(x).mod(P);
    }
    return new Point(x, y.mod(P));
  }

  /** The clamped secret scalar and the nonce prefix of an RFC 8032 seed. */
  static BigInteger[] expand(byte[] seed) {
    byte[] h = sha512(seed);
    byte[] a = Arrays.copyOf(h, 32);
    a[0] &= (byte) 248;
    a[31] &= 127;
    a[31] |= 64;
    return new BigInteger[] {fromLittleEndian(a), fromLittleEndian(Arrays.copyOfRange(h, 32, 64))};
  }

  /**
   * A signature of {@code msg} by the scalar {@code a} under the claimed key {@code pk} (which may
   * be aB plus a small-order point), with R = rB + {@code rTorsion}: what a hostile signer sends.
   */
  static byte[] sign(BigInteger a, BigInteger prefix, byte[] pk, byte[] msg, Point rTorsion) {
    BigInteger r = fromLittleEndian(sha512(concat(littleEndian(prefix, 32), msg))).mod(L);
    byte[] rEnc = encode(add(times(r, BASE), rTorsion));
    BigInteger k = fromLittleEndian(sha512(concat(rEnc, pk, msg))).mod(L);
    BigInteger s = r.add(k.multiply(a)).mod(L);
    return concat(rEnc, littleEndian(s, 32));
  }

  static byte[] hex(String h) {
    return java.util.HexFormat.of().parseHex(h);
  }

  static byte[] littleEndian(BigInteger v, int n) {
    byte[] be = v.toByteArray();
    byte[] out = new byte[n];
    for (int i = 0; i < Math.min(n, be.length); i++) {
      out[i] = be[be.length - 1 - i];
    }
    return out;
  }

  static BigInteger fromLittleEndian(byte[] le) {
    byte[] be = new byte[le.length + 1];
    for (int i = 0; i < le.length; i++) {
      be[le.length - i] = le[i];
    }
    return new BigInteger(be);
  }

  private static byte[] sha512(byte[] in) {
    try {
      return MessageDigest.getInstance("SHA-512").digest(in);
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
