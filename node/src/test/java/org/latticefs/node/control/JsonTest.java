package org.latticefs.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class JsonTest {
  @Test
  void roundTripsEveryValueKind() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("s", "a\"b\\c\nd\u0001é😀");
    m.put("i", -42L);
    m.put("big", Long.MAX_VALUE);
    m.put("d", 1.5);
    m.put("t", true);
    m.put("n", null);
    m.put("l", List.of(1L, "x", List.of(), Map.of()));
    assertEquals(m, Json.parse(Json.write(m), 1 << 20));
    assertEquals(m, Json.parse(Json.pretty(m), 1 << 20));
  }

  @Test
  void rejectsMalformedInputWithJsonException() {
    for (String bad :
        List.of(
            "",
            "{",
            "[1,]",
            "{\"a\":1,}",
            "01",
            "1.",
            "1e",
            "\"\\x\"",
            "\"\\u12\"",
            "tru",
            "{\"a\" 1}",
            "{\"a\":1}x",
            "\"a\nb\"",
            "{\"a\":1,\"a\":2}",
            "[".repeat(100),
            "-",
            "1e99999")) {
      assertThrows(Json.JsonException.class, () -> Json.parse(bad, 1000), bad);
    }
  }

  @Test
  void enforcesTheSizeLimitBeforeParsing() {
    assertThrows(Json.JsonException.class, () -> Json.parse("[" + "1,".repeat(100) + "1]", 50));
  }

  @Property(tries = 2000)
  void randomTextNeverThrowsAnythingButJsonException(@ForAll @StringLength(max = 64) String s) {
    try {
      Json.parse(s, 1 << 16);
    } catch (Json.JsonException expected) {
      // rejected cleanly
    }
  }

  @Property(tries = 2000)
  void mutatedValidJsonNeverThrowsAnythingButJsonException(@ForAll("mutations") String s) {
    try {
      Json.parse(s, 1 << 16);
    } catch (Json.JsonException expected) {
      // rejected cleanly
    }
  }

  @Provide
  Arbitrary<String> mutations() {
    String base =
        Json.write(
            Map.of(
                "op", "kv.put", "key", "/a/b", "value_base64", "aGVsbG8=", "n", List.of(1L, 2.5)));
    return Arbitraries.integers()
        .between(0, base.length() - 1)
        .list()
        .ofMinSize(1)
        .ofMaxSize(4)
        .flatMap(
            positions ->
                Arbitraries.chars()
                    .with('{', '}', '[', ']', '"', '\\', ',', ':', '0', 'e', '-', 'u', ' ')
                    .list()
                    .ofSize(positions.size())
                    .map(
                        chars -> {
                          char[] c = base.toCharArray();
                          for (int i = 0; i < positions.size(); i++) {
                            c[positions.get(i)] = chars.get(i);
                          }
                          return new String(c);
                        }));
  }

  @Property(tries = 300)
  void stringsRoundTrip(@ForAll String s) {
    assertEquals(Arrays.asList(s), Json.parse(Json.write(List.of(s)), 1 << 20));
  }
}
