package org.latticefs.cas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.latticefs.cas.hash.Blake3;

class BlobRefTest {
  @Test
  void hexRoundTripsAndIsLowerCase() {
    BlobRef ref = Blake3.hash("hello".getBytes(StandardCharsets.UTF_8));
    String hex = ref.hex();
    assertEquals(64, hex.length());
    assertEquals(hex.toLowerCase(), hex);
    assertEquals(ref, BlobRef.parse(hex));
    assertEquals(ref, BlobRef.parse(hex.toUpperCase()));
  }

  @Test
  void knownHashOfEmptyInput() {
    assertEquals(
        "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262",
        Blake3.hash(new byte[0]).hex());
  }

  @Test
  void usableAsMapKey() {
    Map<BlobRef, Integer> map = new HashMap<>();
    map.put(Blake3.hash(new byte[] {1}), 1);
    assertEquals(1, map.get(BlobRef.parse(Blake3.hash(new byte[] {1}).hex())));
  }

  @Test
  void defensiveCopies() {
    byte[] raw = new byte[32];
    BlobRef ref = new BlobRef(raw);
    raw[0] = 1;
    assertEquals(0, ref.bytes()[0]);
    ref.bytes()[1] = 5;
    assertEquals(0, ref.bytes()[1]);
  }

  @Test
  void orderMatchesHexOrder() {
    BlobRef a = BlobRef.parse("00".repeat(31) + "7f");
    BlobRef b = BlobRef.parse("00".repeat(31) + "80");
    assertTrue(a.compareTo(b) < 0);
    assertTrue(a.hex().compareTo(b.hex()) < 0);
    assertNotEquals(a, b);
  }

  @Test
  void badTextIsAClearError() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> BlobRef.parse("xyz"));
    assertTrue(e.getMessage().contains("64 hex digits"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> BlobRef.parse("g".repeat(64)));
    assertThrows(IllegalArgumentException.class, () -> BlobRef.parse(null));
    assertThrows(IllegalArgumentException.class, () -> new BlobRef(new byte[31]));
  }
}
