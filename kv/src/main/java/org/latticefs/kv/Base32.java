package org.latticefs.kv;

/**
 * Lower-case base32 (RFC 4648's alphabet, {@code a-z2-7}, no padding): the text of node ids and of
 * invite secrets, easy to read aloud and to copy.
 */
public final class Base32 {
  /** The 32 characters, in value order. */
  public static final String ALPHABET = "abcdefghijklmnopqrstuvwxyz234567";

  private Base32() {}

  /** {@code raw} as base32; a last group of fewer than 5 bits is padded with zero bits. */
  public static String encode(byte[] raw) {
    StringBuilder sb = new StringBuilder((raw.length * 8 + 4) / 5);
    long buffer = 0;
    int bits = 0;
    for (byte b : raw) {
      buffer = buffer << 8 | (b & 0xff);
      bits += 8;
      while (bits >= 5) {
        bits -= 5;
        sb.append(ALPHABET.charAt((int) (buffer >>> bits) & 31));
      }
    }
    if (bits > 0) {
      sb.append(ALPHABET.charAt((int) (buffer << (5 - bits)) & 31));
    }
    return sb.toString();
  }
}
