package org.latticefs.kv;

import java.nio.charset.StandardCharsets;
import java.util.Comparator;

/**
 * The one codec between kv keys, which are Java {@link String}s, and the byte strings they stand
 * for (a key <em>is</em> a byte string: Linux names are bytes, not text).
 *
 * <h2>Encoding</h2>
 *
 * {@link #decode} reads UTF-8 strictly (Unicode's table of well-formed byte sequences: no
 * overlongs, no encoded surrogates, nothing above U+10FFFF). Every byte that is not part of a
 * well-formed sequence (all such bytes are {@code >= 0x80}) becomes the lone surrogate {@code
 * U+DC00 + byte}, an <em>escape</em> in {@code U+DC80..U+DCFF} (PEP 383's "surrogateescape"). So
 * valid UTF-8 reads as the text it spells and any other byte string still reads as a distinct
 * string. {@link #encode} is the inverse: code points to UTF-8, each escape back to its byte.
 *
 * <p>Round trips: {@code encode(decode(b))} equals {@code b} for every byte array; {@code
 * decode(encode(s))} equals {@code s} exactly for the <em>canonical</em> strings ({@link
 * #isCanonical}), which are the strings {@code decode} returns. A string is not canonical if it
 * holds a lone high surrogate, a lone low surrogate outside {@code U+DC80..U+DCFF}, or escapes
 * whose bytes form well-formed UTF-8 (they would read back as that character). Only canonical
 * strings are valid keys ({@link Op#invalidKeyReason}), so two distinct keys are two distinct byte
 * strings.
 *
 * <h2>Building keys from bytes</h2>
 *
 * Whoever holds raw bytes (a file name from the kernel) turns them into a key part with {@link
 * #decode}. Concatenating canonical strings is canonical when the left one ends with an ASCII
 * character or the right one starts with one (as in {@code "/dirents/" + id + "/" + decode(name)});
 * otherwise decode the concatenated bytes.
 *
 * <h2>Order</h2>
 *
 * {@link #ORDER} is the unsigned lexicographic order of the encoded bytes: the one key order of kv
 * (entries, state backends, listings, digests). For strings without escapes it is Unicode code
 * point order (UTF-8 preserves it), which is not {@link String#compareTo}'s UTF-16 order. {@link
 * #startsWith} is prefix by bytes, so the keys with a prefix are one contiguous range of the order.
 *
 * <p>All methods are static, thread-safe, and allocate nothing beyond their result.
 */
public final class KeyBytes {
  private KeyBytes() {}

  private static final int ESCAPE_BASE = 0xDC00;
  private static final char FIRST_ESCAPE = '\uDC80';
  private static final char LAST_ESCAPE = '\uDCFF';

  /** The one key order: unsigned lexicographic order of {@link #encode}. */
  public static final Comparator<String> ORDER = KeyBytes::compare;

  /**
   * The bytes {@code key} stands for.
   *
   * @throws IllegalArgumentException if {@code key} holds a lone surrogate that is not an escape
   *     (such a string stands for no byte string)
   */
  public static byte[] encode(String key) {
    int n = key.length();
    byte[] out = new byte[encodedLength(key)];
    int o = 0;
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < 0x80) {
        out[o++] = (byte) c;
      } else if (isEscape(c)) {
        out[o++] = (byte) c;
      } else if (c < 0x800) {
        out[o++] = (byte) (0xC0 | c >> 6);
        out[o++] = (byte) (0x80 | c & 0x3F);
      } else if (Character.isHighSurrogate(c)) {
        int cp = Character.toCodePoint(c, key.charAt(++i));
        out[o++] = (byte) (0xF0 | cp >> 18);
        out[o++] = (byte) (0x80 | cp >> 12 & 0x3F);
        out[o++] = (byte) (0x80 | cp >> 6 & 0x3F);
        out[o++] = (byte) (0x80 | cp & 0x3F);
      } else {
        out[o++] = (byte) (0xE0 | c >> 12);
        out[o++] = (byte) (0x80 | c >> 6 & 0x3F);
        out[o++] = (byte) (0x80 | c & 0x3F);
      }
    }
    return out;
  }

  /**
   * The length of {@link #encode}{@code (key)}, without encoding it.
   *
   * @throws IllegalArgumentException as {@link #encode}
   */
  public static int encodedLength(String key) {
    int n = key.length();
    int bytes = 0;
    for (int i = 0; i < n; i++) {
      char c = key.charAt(i);
      if (c < 0x80) {
        bytes++;
      } else if (c < 0x800) {
        bytes += 2;
      } else if (!Character.isSurrogate(c)) {
        bytes += 3;
      } else if (Character.isHighSurrogate(c)
          && i + 1 < n
          && Character.isLowSurrogate(key.charAt(i + 1))) {
        bytes += 4;
        i++;
      } else if (isEscape(c)) {
        bytes++;
      } else {
        throw new IllegalArgumentException(loneSurrogate(c, i));
      }
    }
    return bytes;
  }

  /** The canonical string {@code bytes} stand for (see the class documentation). Never fails. */
  public static String decode(byte[] bytes) {
    return decode(bytes, 0, bytes.length);
  }

  /** The canonical string {@code bytes[off, off+len)} stand for. Never fails. */
  public static String decode(byte[] bytes, int off, int len) {
    int end = off + len;
    int i = off;
    while (i < end && bytes[i] >= 0) {
      i++;
    }
    if (i == end) {
      return new String(bytes, off, len, StandardCharsets.ISO_8859_1);
    }
    StringBuilder sb = new StringBuilder(len);
    sb.append(new String(bytes, off, i - off, StandardCharsets.ISO_8859_1));
    while (i < end) {
      int b0 = bytes[i] & 0xFF;
      if (b0 < 0x80) {
        sb.append((char) b0);
        i++;
        continue;
      }
      int n = wellFormedLength(bytes, i, end);
      if (n == 0) {
        sb.append((char) (ESCAPE_BASE | b0));
        i++;
        continue;
      }
      int cp = b0 & (0xFF >> (n + 1));
      for (int k = 1; k < n; k++) {
        cp = cp << 6 | bytes[i + k] & 0x3F;
      }
      sb.appendCodePoint(cp);
      i += n;
    }
    return sb.toString();
  }

  /**
   * The length of the well-formed UTF-8 sequence starting at {@code b[i]} (a byte {@code >= 0x80})
   * and ending before {@code end}, or 0 if none starts there (Unicode 15, table 3-7).
   */
  private static int wellFormedLength(byte[] b, int i, int end) {
    int b0 = b[i] & 0xFF;
    int n;
    int lo = 0x80;
    int hi = 0xBF;
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 2;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 3;
      if (b0 == 0xE0) {
        lo = 0xA0;
      } else if (b0 == 0xED) {
        hi = 0x9F;
      }
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 4;
      if (b0 == 0xF0) {
        lo = 0x90;
      } else if (b0 == 0xF4) {
        hi = 0x8F;
      }
    } else {
      return 0;
    }
    if (end - i < n) {
      return 0;
    }
    int b1 = b[i + 1] & 0xFF;
    if (b1 < lo || b1 > hi) {
      return 0;
    }
    for (int k = 2; k < n; k++) {
      int bk = b[i + k] & 0xFF;
      if (bk < 0x80 || bk > 0xBF) {
        return 0;
      }
    }
    return n;
  }

  /**
   * Whether {@code c} is an escape: a lone low surrogate standing for the byte {@code c - 0xDC00}.
   */
  public static boolean isEscape(char c) {
    return c >= FIRST_ESCAPE && c <= LAST_ESCAPE;
  }

  /** Whether {@code s} is canonical: {@code decode(encode(s))} equals {@code s}. */
  public static boolean isCanonical(String s) {
    return invalidReason(s) == null;
  }

  /**
   * Why {@code s} is not canonical (what and where), or null if it is.
   *
   * @see #isCanonical
   */
  public static String invalidReason(String s) {
    int n = s.length();
    boolean escapes = false;
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (!Character.isSurrogate(c)) {
        continue;
      }
      if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
        i++;
      } else if (isEscape(c)) {
        escapes = true;
      } else {
        return loneSurrogate(c, i);
      }
    }
    if (!escapes) {
      return null;
    }
    String back = decode(encode(s));
    if (back.equals(s)) {
      return null;
    }
    int at = 0;
    while (at < n && at < back.length() && s.charAt(at) == back.charAt(at)) {
      at++;
    }
    return "the byte escapes at index "
        + at
        + " spell well-formed UTF-8 ('"
        + new String(Character.toChars(back.codePointAt(at)))
        + "'): write that character instead";
  }

  private static String loneSurrogate(char c, int i) {
    return String.format(
        "lone %s surrogate U+%04X at index %d (byte escapes are U+DC80..U+DCFF)",
        Character.isHighSurrogate(c) ? "high" : "low", (int) c, i);
  }

  /**
   * Compares {@code a} and {@code b} as {@link #ORDER}: by the unsigned bytes of their encodings,
   * without encoding them. Total on all strings (a lone surrogate that is not an escape compares as
   * its three-byte generalized UTF-8 form; such strings are never valid keys).
   */
  public static int compare(String a, String b) {
    int na = a.length();
    int nb = b.length();
    int i = 0;
    int k = 0;
    int j = 0;
    int m = 0;
    while (true) {
      if (i >= na) {
        return j >= nb ? 0 : -1;
      }
      if (j >= nb) {
        return 1;
      }
      char ca = a.charAt(i);
      char cb = b.charAt(j);
      if (k == 0 && m == 0 && ca == cb && !Character.isHighSurrogate(ca)) {
        i++;
        j++;
        continue;
      }
      int la = unitLength(a, i);
      int lb = unitLength(b, j);
      int ba = byteOf(a, i, la, k);
      int bb = byteOf(b, j, lb, m);
      if (ba != bb) {
        return ba - bb;
      }
      if (++k == la) {
        i += la == 4 ? 2 : 1;
        k = 0;
      }
      if (++m == lb) {
        j += lb == 4 ? 2 : 1;
        m = 0;
      }
    }
  }

  /** The encoded length of the unit (code point, escape or lone surrogate) at {@code s[i]}. */
  private static int unitLength(String s, int i) {
    char c = s.charAt(i);
    if (c < 0x80 || isEscape(c)) {
      return 1;
    }
    if (c < 0x800) {
      return 2;
    }
    if (Character.isHighSurrogate(c)
        && i + 1 < s.length()
        && Character.isLowSurrogate(s.charAt(i + 1))) {
      return 4;
    }
    return 3;
  }

  /** Byte {@code k} of the encoding of the unit of length {@code len} at {@code s[i]}. */
  private static int byteOf(String s, int i, int len, int k) {
    char c = s.charAt(i);
    switch (len) {
      case 1:
        return c & 0xFF;
      case 2:
        return k == 0 ? 0xC0 | c >> 6 : 0x80 | c & 0x3F;
      case 3:
        return k == 0 ? 0xE0 | c >> 12 : 0x80 | c >> (6 * (2 - k)) & 0x3F;
      default:
        int cp = Character.toCodePoint(c, s.charAt(i + 1));
        return k == 0 ? 0xF0 | cp >> 18 : 0x80 | cp >> (6 * (3 - k)) & 0x3F;
    }
  }

  /**
   * Whether the encoding of {@code key} starts with the encoding of {@code prefix}. Equals {@link
   * String#startsWith} unless {@code prefix} holds an escape (a name prefix ending in a raw lead
   * byte is a byte prefix of names that continue that character).
   */
  public static boolean startsWith(String key, String prefix) {
    if (key.startsWith(prefix)) {
      return true;
    }
    boolean surrogates = false;
    for (int i = 0; i < prefix.length() && !surrogates; i++) {
      surrogates = Character.isSurrogate(prefix.charAt(i));
    }
    if (!surrogates) {
      return false;
    }
    byte[] k;
    byte[] p;
    try {
      k = encode(key);
      p = encode(prefix);
    } catch (IllegalArgumentException notEncodable) {
      return false;
    }
    return k.length >= p.length && java.util.Arrays.equals(k, 0, p.length, p, 0, p.length);
  }

  /**
   * {@code key} for people (the CLI, log messages): each escape as {@code \xNN} (the raw byte), a
   * backslash as {@code \\}, control characters (C0, DEL) as {@code \xNN}, and C1 controls,
   * invisible format characters (such as U+202E, which reverses the text after it; not the joiners
   * U+200C and U+200D, which emoji and many scripts use), line and paragraph separators and lone
   * surrogates as {@code \}{@code uXXXX} (or {@code \}{@code UXXXXXXXX} above U+FFFF). Everything
   * else as is. Distinct keys display distinctly.
   */
  public static String display(String key) {
    StringBuilder sb = null;
    int n = key.length();
    for (int i = 0; i < n; ) {
      int cp = key.codePointAt(i);
      String esc = displayEscape(cp);
      if (esc != null && sb == null) {
        sb = new StringBuilder(n + 16).append(key, 0, i);
      }
      if (sb != null) {
        if (esc != null) {
          sb.append(esc);
        } else {
          sb.appendCodePoint(cp);
        }
      }
      i += Character.charCount(cp);
    }
    return sb == null ? key : sb.toString();
  }

  private static String displayEscape(int cp) {
    if (cp >= FIRST_ESCAPE && cp <= LAST_ESCAPE) {
      return String.format("\\x%02x", cp & 0xFF);
    }
    if (cp == '\\') {
      return "\\\\";
    }
    if (cp < 0x20 || cp == 0x7F) {
      return String.format("\\x%02x", cp);
    }
    int type = Character.getType(cp);
    if (cp < 0xA0 && cp >= 0x80
        || type == Character.FORMAT && cp != 0x200C && cp != 0x200D
        || type == Character.LINE_SEPARATOR
        || type == Character.PARAGRAPH_SEPARATOR
        || type == Character.SURROGATE) {
      return cp > 0xFFFF ? String.format("\\U%08x", cp) : String.format("\\u%04x", cp);
    }
    return null;
  }
}
