package org.latticefs.cas;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * The name of a blob: the 32-byte BLAKE3-256 hash of its bytes.
 *
 * <p>Immutable and safe as a map key. The text form is 64 lower-case hex digits, stable forever (it
 * names files on disk and keys in the log). Ordering is unsigned-lexicographic over the bytes,
 * which is the same as the ordering of the hex strings.
 */
public record BlobRef(byte[] bytes) implements Comparable<BlobRef> {
  /** Length of a ref in bytes. */
  public static final int LENGTH = 32;

  private static final HexFormat HEX = HexFormat.of();

  public BlobRef {
    if (bytes == null || bytes.length != LENGTH) {
      throw new IllegalArgumentException(
          "a BlobRef is " + LENGTH + " bytes, got " + (bytes == null ? "null" : bytes.length));
    }
    bytes = bytes.clone();
  }

  /** Parses 64 hex digits (either case). */
  public static BlobRef parse(String hex) {
    if (hex == null || hex.length() != LENGTH * 2) {
      throw new IllegalArgumentException(
          "a BlobRef is " + LENGTH * 2 + " hex digits, got: " + abbreviate(hex));
    }
    try {
      return new BlobRef(HEX.parseHex(hex));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("not a hex BlobRef: " + abbreviate(hex), e);
    }
  }

  /** Wraps 32 bytes read at {@code offset}. */
  public static BlobRef of(byte[] source, int offset) {
    return new BlobRef(Arrays.copyOfRange(source, offset, offset + LENGTH));
  }

  /** A copy of the 32 hash bytes. */
  @Override
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Copies the 32 hash bytes into {@code dest} at {@code offset}. */
  public void copyTo(byte[] dest, int offset) {
    System.arraycopy(bytes, 0, dest, offset, LENGTH);
  }

  /**
   * The first 8 hash bytes, big-endian: well spread (a cryptographic hash), so a compact key for
   * tables that tolerate (or resolve) the rare collision.
   */
  public long prefix() {
    long k = 0;
    for (int i = 0; i < 8; i++) {
      k = (k << 8) | (bytes[i] & 0xff);
    }
    return k;
  }

  /** 64 lower-case hex digits. */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof BlobRef other && Arrays.equals(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    // The bytes are a cryptographic hash: any four of them are well distributed.
    return (bytes[0] & 0xff) << 24
        | (bytes[1] & 0xff) << 16
        | (bytes[2] & 0xff) << 8
        | bytes[3] & 0xff;
  }

  @Override
  public int compareTo(BlobRef o) {
    return Arrays.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public String toString() {
    return hex();
  }

  private static String abbreviate(String s) {
    if (s == null) {
      return "null";
    }
    return s.length() <= 80 ? '"' + s + '"' : '"' + s.substring(0, 77) + "...\"";
  }
}
