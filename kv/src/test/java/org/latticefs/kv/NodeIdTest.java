package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class NodeIdTest {
  private static final NodeId SAMPLE = new NodeId(new byte[32]);

  @Property(tries = 300)
  void textRoundTrip(@ForAll @Size(32) byte[] key) {
    NodeId id = new NodeId(key);
    String text = id.toString();
    assertEquals(NodeId.TEXT_LENGTH, text.length());
    assertTrue(text.matches("lat1[a-z2-7]{58}"), text);
    assertEquals(id, NodeId.parse(text));
    assertEquals(id, NodeId.parse(text.toUpperCase(Locale.ROOT)));
  }

  @Test
  void knownValueIsStable() {
    // 32 zero bytes: the text form must never change (it names nodes in every log and mesh).
    String text = SAMPLE.toString();
    assertEquals(text, NodeId.parse(text).toString());
    assertTrue(text.startsWith("lat1" + "a".repeat(51)), text);
  }

  @Test
  void nullAndPrefixErrors() {
    assertError(null, "null");
    assertError("", "starts with \"lat1\"");
    assertError("lat2" + SAMPLE.toString().substring(4), "starts with \"lat1\"");
    assertError(SAMPLE.hex(), "starts with \"lat1\"");
  }

  @Test
  void lengthErrors() {
    String ok = SAMPLE.toString();
    assertError(ok.substring(0, ok.length() - 1), "62 characters, got 61");
    assertError(ok + "a", "62 characters, got 63");
    assertError("lat1", "62 characters, got 4");
    assertError(" " + ok, "starts with");
    assertError(ok + "\n", "got 63");
  }

  @Test
  void characterErrors() {
    String ok = SAMPLE.toString();
    for (char bad : new char[] {'0', '1', '8', '9', '!', '=', ' ', 'é', '\u0131'}) {
      String text = ok.substring(0, 10) + bad + ok.substring(11);
      assertError(text, "invalid character '" + bad + "' at position 10");
    }
  }

  @Test
  void everySingleCharacterChangeIsCaught() {
    String ok = new NodeId(bytes(7)).toString();
    String alphabet = "abcdefghijklmnopqrstuvwxyz234567";
    int checksum = 0;
    int padding = 0;
    for (int i = 4; i < ok.length(); i++) {
      for (char c : alphabet.toCharArray()) {
        if (c == ok.charAt(i)) {
          continue;
        }
        String text = ok.substring(0, i) + c + ok.substring(i + 1);
        IllegalArgumentException e =
            assertThrows(IllegalArgumentException.class, () -> NodeId.parse(text), text);
        if (e.getMessage().contains("checksum")) {
          checksum++;
        } else if (e.getMessage().contains("padding")) {
          padding++;
        }
      }
    }
    assertEquals(58 * 31, checksum + padding);
    assertTrue(padding > 0 && checksum > padding);
  }

  @Test
  void checksumError() {
    String ok = new NodeId(bytes(1)).toString();
    char c = ok.charAt(20) == 'a' ? 'b' : 'a';
    assertError(ok.substring(0, 20) + c + ok.substring(21), "checksum mismatch");
  }

  @Test
  void paddingBitsError() {
    String ok = SAMPLE.toString();
    char last = ok.charAt(ok.length() - 1);
    int v = "abcdefghijklmnopqrstuvwxyz234567".indexOf(last) ^ 1;
    String text = ok.substring(0, ok.length() - 1) + "abcdefghijklmnopqrstuvwxyz234567".charAt(v);
    assertError(text, "padding bits");
  }

  @Test
  void constructorChecksLength() {
    assertThrows(IllegalArgumentException.class, () -> new NodeId(new byte[31]));
    assertThrows(IllegalArgumentException.class, () -> new NodeId(null));
  }

  private static byte[] bytes(int seed) {
    byte[] b = new byte[32];
    new java.util.Random(seed).nextBytes(b);
    return b;
  }

  private static void assertError(String text, String part) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> NodeId.parse(text));
    assertTrue(
        e.getMessage().contains(part), () -> "expected \"" + part + "\" in " + e.getMessage());
  }
}
