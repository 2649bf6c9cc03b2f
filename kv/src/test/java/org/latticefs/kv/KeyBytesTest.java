package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyBytesTest {
  private static byte[] bytes(int... b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i++) {
      out[i] = (byte) b[i];
    }
    return out;
  }

  @Test
  void latin1NamesStayDistinctBytes() {
    String e9 = KeyBytes.decode(bytes('c', 'a', 'f', 0xE9));
    String e8 = KeyBytes.decode(bytes('c', 'a', 'f', 0xE8));
    assertEquals("caf\uDCE9", e9);
    assertEquals("caf\uDCE8", e8);
    assertArrayEquals(bytes('c', 'a', 'f', 0xE9), KeyBytes.encode(e9));
    assertTrue(KeyBytes.compare(e8, e9) < 0);
    assertEquals("caf\u00e9", KeyBytes.decode("caf\u00e9".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void everyIllFormedByteIsEscapedOnItsOwn() {
    // Stray continuation, truncated 3-byte sequence, overlong '/', encoded surrogate U+D800,
    // above U+10FFFF, and the bytes that never occur in UTF-8.
    assertEquals("\uDC80", KeyBytes.decode(bytes(0x80)));
    assertEquals("\uDCE2\uDC82", KeyBytes.decode(bytes(0xE2, 0x82)));
    assertEquals("\uDCE2\uDC82a", KeyBytes.decode(bytes(0xE2, 0x82, 'a')));
    assertEquals("\uDCC0\uDCAF", KeyBytes.decode(bytes(0xC0, 0xAF)));
    assertEquals("\uDCED\uDCA0\uDC80", KeyBytes.decode(bytes(0xED, 0xA0, 0x80)));
    assertEquals("\uDCF4\uDC90\uDC80\uDC80", KeyBytes.decode(bytes(0xF4, 0x90, 0x80, 0x80)));
    assertEquals("\uDCFF\uDCFE\uDCF5", KeyBytes.decode(bytes(0xFF, 0xFE, 0xF5)));
    assertEquals("\u20ac\uDCE2", KeyBytes.decode(bytes(0xE2, 0x82, 0xAC, 0xE2)));
    assertEquals("\uD83D\uDE00", KeyBytes.decode(bytes(0xF0, 0x9F, 0x98, 0x80)));
  }

  @Test
  void nonCanonicalStringsAreNamedAndRefused() {
    String high = KeyBytes.invalidReason("/a\uD83D");
    assertTrue(high.contains("lone high surrogate U+D83D at index 2"), high);
    String low = KeyBytes.invalidReason("/a\uDC12b");
    assertTrue(low.contains("lone low surrogate U+DC12 at index 2"), low);
    String spelled = KeyBytes.invalidReason("/caf\uDCC3\uDCA9");
    assertTrue(spelled.contains("index 4") && spelled.contains("'\u00e9'"), spelled);
    assertNull(KeyBytes.invalidReason("/caf\uDCE9"));
    assertNull(KeyBytes.invalidReason("/\uD83D\uDE00"));
    assertFalse(KeyBytes.isCanonical("\uDCC3\uDCA9"));
    assertThrows(IllegalArgumentException.class, () -> KeyBytes.encode("/a\uD83D"));
    assertThrows(IllegalArgumentException.class, () -> KeyBytes.encode("/a\uDC12"));
    // A valid pair whose low half lies in the escape range is a character, not an escape.
    assertEquals("\uD800\uDC80", KeyBytes.decode(KeyBytes.encode("\uD800\uDC80")));
  }

  @Test
  void keysValidateThroughTheCodec() {
    assertNull(Op.invalidKeyReason("/dirents/1/caf\uDCE9"));
    assertNotNull(Op.invalidKeyReason("/dirents/1/caf\uDCC3\uDCA9"));
    assertNotNull(Op.invalidKeyReason("/x\uD800"));
    assertNull(Op.invalidKeyReason("/" + "\uDCFF".repeat(Op.MAX_KEY_BYTES - 1)));
    String tooLong = Op.invalidKeyReason("/" + "\uDCFF".repeat(Op.MAX_KEY_BYTES));
    assertTrue(tooLong.contains("at most " + Op.MAX_KEY_BYTES + " bytes"), tooLong);
  }

  @Test
  void orderIsByteOrderAndCodePointOrderWithoutEscapes() {
    // U+FF61 sorts after U+1F600 in UTF-16 but before it by code point (and UTF-8 bytes).
    assertTrue("\uff61".compareTo("\uD83D\uDE00") > 0);
    assertTrue(KeyBytes.compare("\uff61", "\uD83D\uDE00") < 0);
    // An escaped lead byte sorts by its byte: between the characters it could start.
    List<String> sorted =
        new ArrayList<>(List.of("/a\u00e9", "/a\uDCC3b", "/a\uDCC3", "/a\uDCC3\uDCC3", "/ab"));
    sorted.sort(KeyBytes.ORDER);
    assertEquals(List.of("/ab", "/a\uDCC3", "/a\uDCC3b", "/a\u00e9", "/a\uDCC3\uDCC3"), sorted);
  }

  @Test
  void prefixesAreBytePrefixes() {
    assertTrue(KeyBytes.startsWith("/a\u00e9", "/a\uDCC3"), "C3 A9 starts with C3");
    assertFalse("/a\u00e9".startsWith("/a\uDCC3"));
    assertTrue(KeyBytes.startsWith("/a/b", "/a/"));
    assertFalse(KeyBytes.startsWith("/ab", "/a/"));
    assertFalse(KeyBytes.startsWith("/a\u00e8", "/a\u00e9"));
  }

  @Test
  void displayEscapesBytesAndControlsUnambiguously() {
    assertEquals("/caf\\xe9", KeyBytes.display("/caf\uDCE9"));
    assertEquals("/a\\x0ab", KeyBytes.display("/a\nb"));
    assertEquals("/back\\\\slash", KeyBytes.display("/back\\slash"));
    assertEquals("/c1\\u0085 \\u202e", KeyBytes.display("/c1\u0085 \u202e"));
    assertEquals("/caf\u00e9 \uD83D\uDE00", KeyBytes.display("/caf\u00e9 \uD83D\uDE00"));
    assertEquals("/\\x7f\\x00", KeyBytes.display("/\u007f\u0000"));
  }
}
