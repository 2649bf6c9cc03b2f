package org.latticefs.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class Base32Test {
  @Test
  void matchesRfc4648InLowerCaseWithoutPadding() {
    String[][] vectors = {
      {"", ""},
      {"f", "my"},
      {"fo", "mzxq"},
      {"foo", "mzxw6"},
      {"foob", "mzxw6yq"},
      {"fooba", "mzxw6ytb"},
      {"foobar", "mzxw6ytboi"}
    };
    for (String[] v : vectors) {
      assertEquals(v[1], Base32.encode(v[0].getBytes(StandardCharsets.US_ASCII)), v[0]);
    }
  }
}
