package org.latticefs.kv;

import java.util.Arrays;
import java.util.HexFormat;
import org.latticefs.cas.hash.Blake3;

/**
 * A node's identity: its 32-byte Ed25519 public key.
 *
 * <h2>Text form</h2>
 *
 * {@code lat1} followed by 58 lower-case RFC 4648 base32 characters (alphabet {@code a-z2-7}, no
 * padding) of the 36 bytes {@code publicKey || BLAKE3(publicKey)[0..4)}: 62 characters in all,
 * stable forever, safe in paths, URLs and keys of the log. The 4-byte checksum catches typos and
 * truncated copies. {@link #parse} accepts either letter case and nothing else (no whitespace).
 *
 * <p>Ordering is unsigned-lexicographic over the key bytes.
 */
public record NodeId(byte[] publicKey) implements Comparable<NodeId> {
  public static final int LENGTH = 32;

  /** The prefix of the text form. */
  public static final String PREFIX = "lat1";

  /** Length of the text form. */
  public static final int TEXT_LENGTH = PREFIX.length() + 58;

  private static final int CHECKSUM_LENGTH = 4;
  private static final String ALPHABET = Base32.ALPHABET;

  public NodeId {
    if (publicKey == null || publicKey.length != LENGTH) {
      throw new IllegalArgumentException("a node id is a 32-byte Ed25519 public key");
    }
    publicKey = publicKey.clone();
  }

  /** Wraps 32 bytes read at {@code offset}. */
  public static NodeId of(byte[] source, int offset) {
    return new NodeId(Arrays.copyOfRange(source, offset, offset + LENGTH));
  }

  @Override
  public byte[] publicKey() {
    return publicKey.clone();
  }

  /** Copies the 32 key bytes into {@code dest} at {@code offset}. */
  public void copyTo(byte[] dest, int offset) {
    System.arraycopy(publicKey, 0, dest, offset, LENGTH);
  }

  /** Whether the 32 bytes at {@code offset} of {@code data} are this key. */
  public boolean matches(byte[] data, int offset) {
    return Arrays.equals(publicKey, 0, LENGTH, data, offset, offset + LENGTH);
  }

  /** 64 lower-case hex digits of the key (for diagnostics; the text form is {@link #toString}). */
  public String hex() {
    return HexFormat.of().formatHex(publicKey);
  }

  /**
   * Parses the text form ({@code lat1…}, 62 characters, either case).
   *
   * @throws IllegalArgumentException naming what is wrong: null, wrong prefix, wrong length, a
   *     character outside the base32 alphabet, non-zero padding bits, or a checksum mismatch
   */
  public static NodeId parse(String text) {
    if (text == null) {
      throw new IllegalArgumentException("node id is null");
    }
    if (!text.regionMatches(true, 0, PREFIX, 0, PREFIX.length())) {
      throw new IllegalArgumentException(
          "a node id starts with \"" + PREFIX + "\": " + abbreviate(text));
    }
    if (text.length() != TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "a node id is "
              + TEXT_LENGTH
              + " characters, got "
              + text.length()
              + ": "
              + abbreviate(text));
    }
    byte[] raw = new byte[LENGTH + CHECKSUM_LENGTH];
    long buffer = 0;
    int bits = 0;
    int out = 0;
    for (int i = PREFIX.length(); i < text.length(); i++) {
      char c = text.charAt(i);
      int v = ALPHABET.indexOf(Character.toLowerCase(c));
      if (v < 0 || c > 127) {
        throw new IllegalArgumentException(
            "invalid character '"
                + c
                + "' at position "
                + i
                + " of node id (allowed: a-z, 2-7): "
                + abbreviate(text));
      }
      buffer = buffer << 5 | v;
      bits += 5;
      if (bits >= 8) {
        bits -= 8;
        raw[out++] = (byte) (buffer >>> bits);
      }
    }
    if ((buffer & ((1L << bits) - 1)) != 0) {
      throw new IllegalArgumentException(
          "node id has non-zero padding bits in its last character: " + abbreviate(text));
    }
    byte[] key = Arrays.copyOf(raw, LENGTH);
    byte[] expected = checksum(key);
    if (!Arrays.equals(expected, 0, CHECKSUM_LENGTH, raw, LENGTH, LENGTH + CHECKSUM_LENGTH)) {
      throw new IllegalArgumentException(
          "node id checksum mismatch (typo or truncated copy?): " + abbreviate(text));
    }
    return new NodeId(key);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId n && Arrays.equals(publicKey, n.publicKey);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(publicKey);
  }

  @Override
  public int compareTo(NodeId o) {
    return Arrays.compareUnsigned(publicKey, o.publicKey);
  }

  /** The text form: {@code lat1} + base32 of key and checksum. */
  @Override
  public String toString() {
    byte[] raw = Arrays.copyOf(publicKey, LENGTH + CHECKSUM_LENGTH);
    System.arraycopy(checksum(publicKey), 0, raw, LENGTH, CHECKSUM_LENGTH);
    return PREFIX + Base32.encode(raw);
  }

  private static byte[] checksum(byte[] key) {
    return Blake3.hash(key).bytes();
  }

  private static String abbreviate(String s) {
    return s.length() <= 80 ? '"' + s + '"' : '"' + s.substring(0, 77) + "...\"";
  }
}
