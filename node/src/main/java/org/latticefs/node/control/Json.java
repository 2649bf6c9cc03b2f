package org.latticefs.node.control;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON writer and a bounded reader, for {@code --json} output and the control protocol.
 *
 * <p>Values are {@code null}, {@link Boolean}, {@link Long} (integers), {@link Double} (other
 * numbers), {@link String}, {@link List} and {@link Map} (string keys, insertion order kept). The
 * reader accepts RFC 8259 JSON only, rejects nesting deeper than {@link #MAX_DEPTH}, input longer
 * than the caller's limit and any trailing content, and throws {@link JsonException} for every
 * malformed input (never another exception, never a hang).
 */
public final class Json {
  public static final int MAX_DEPTH = 32;

  private Json() {}

  /** Malformed JSON, or input beyond a limit. */
  public static final class JsonException extends IllegalArgumentException {
    public JsonException(String message) {
      super(message);
    }
  }

  // ---- writing

  /** The compact JSON text of {@code value}. */
  public static String write(Object value) {
    return write(value, Integer.MAX_VALUE);
  }

  /**
   * The compact JSON text of {@code value}, given up with a {@link JsonException} as soon as it is
   * longer than {@code maxChars} (it is built no further than that plus one string's text).
   */
  public static String write(Object value, int maxChars) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, -1, 0, maxChars);
    return sb.toString();
  }

  /** Indented JSON text of {@code value} (two spaces), for humans reading {@code --json}. */
  public static String pretty(Object value) {
    return pretty(value, 0);
  }

  /**
   * {@link #pretty} text of {@code value} as it appears nested {@code level} deep: its inner lines
   * indented for that depth, its first line not (the caller places it).
   */
  public static String pretty(Object value, int level) {
    StringBuilder sb = new StringBuilder();
    write(sb, value, 2, level, Integer.MAX_VALUE);
    return sb.toString();
  }

  private static void write(StringBuilder sb, Object v, int indent, int level, int max) {
    if (sb.length() > max) {
      throw new JsonException("JSON text longer than " + max + " chars");
    }
    if (v == null) {
      sb.append("null");
    } else if (v instanceof String s) {
      quote(sb, s);
    } else if (v instanceof Boolean b) {
      sb.append(b);
    } else if (v instanceof Double d) {
      if (d.isNaN() || d.isInfinite()) {
        throw new IllegalArgumentException("JSON has no NaN or infinity");
      }
      sb.append(d);
    } else if (v instanceof Float f) {
      write(sb, f.doubleValue(), indent, level, max);
    } else if (v instanceof Number n) {
      sb.append(n.longValue());
    } else if (v instanceof Map<?, ?> m) {
      sb.append('{');
      boolean first = true;
      for (Map.Entry<?, ?> e : m.entrySet()) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent, level + 1);
        quote(sb, String.valueOf(e.getKey()));
        sb.append(indent >= 0 ? ": " : ":");
        write(sb, e.getValue(), indent, level + 1, max);
      }
      if (!m.isEmpty()) {
        newline(sb, indent, level);
      }
      sb.append('}');
    } else if (v instanceof Iterable<?> it) {
      sb.append('[');
      boolean first = true;
      for (Object o : it) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        newline(sb, indent, level + 1);
        write(sb, o, indent, level + 1, max);
      }
      if (!first) {
        newline(sb, indent, level);
      }
      sb.append(']');
    } else {
      quote(sb, v.toString());
    }
  }

  private static void newline(StringBuilder sb, int indent, int level) {
    if (indent >= 0) {
      sb.append('\n');
      sb.append(" ".repeat(indent * level));
    }
  }

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        case '\b' -> sb.append("\\b");
        case '\f' -> sb.append("\\f");
        default -> {
          if (c < 0x20 || Character.isSurrogate(c) && !validSurrogateAt(s, i)) {
            sb.append("\\u")
                .append(HEX[c >> 12 & 0xf])
                .append(HEX[c >> 8 & 0xf])
                .append(HEX[c >> 4 & 0xf])
                .append(HEX[c & 0xf]);
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  private static boolean validSurrogateAt(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  // ---- reading

  /** Parses {@code text}, which must be at most {@code maxChars} long. */
  public static Object parse(String text, int maxChars) {
    if (text.length() > maxChars) {
      throw new JsonException("JSON text of " + text.length() + " chars exceeds " + maxChars);
    }
    Reader r = new Reader(text);
    r.skipWs();
    Object v = r.value(0);
    r.skipWs();
    if (r.pos != text.length()) {
      throw r.error("trailing content");
    }
    return v;
  }

  /** Parses a JSON object. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> parseObject(String text, int maxChars) {
    Object v = parse(text, maxChars);
    if (!(v instanceof Map)) {
      throw new JsonException("expected a JSON object");
    }
    return (Map<String, Object>) v;
  }

  private static final class Reader {
    private final String s;
    private int pos;

    Reader(String s) {
      this.s = s;
    }

    JsonException error(String what) {
      return new JsonException(what + " at offset " + pos);
    }

    void skipWs() {
      while (pos < s.length()) {
        char c = s.charAt(pos);
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
          pos++;
        } else {
          break;
        }
      }
    }

    char peek() {
      if (pos >= s.length()) {
        throw error("unexpected end of input");
      }
      return s.charAt(pos);
    }

    Object value(int depth) {
      if (depth > MAX_DEPTH) {
        throw error("nesting deeper than " + MAX_DEPTH);
      }
      char c = peek();
      return switch (c) {
        case '{' -> object(depth);
        case '[' -> array(depth);
        case '"' -> string();
        case 't' -> literal("true", Boolean.TRUE);
        case 'f' -> literal("false", Boolean.FALSE);
        case 'n' -> literal("null", null);
        default -> {
          if (c == '-' || (c >= '0' && c <= '9')) {
            yield number();
          }
          throw error("unexpected character");
        }
      };
    }

    Object literal(String word, Object v) {
      if (!s.startsWith(word, pos)) {
        throw error("bad literal");
      }
      pos += word.length();
      return v;
    }

    Map<String, Object> object(int depth) {
      pos++;
      Map<String, Object> m = new LinkedHashMap<>();
      skipWs();
      if (peek() == '}') {
        pos++;
        return m;
      }
      while (true) {
        skipWs();
        if (peek() != '"') {
          throw error("expected a string key");
        }
        String k = string();
        skipWs();
        if (peek() != ':') {
          throw error("expected ':'");
        }
        pos++;
        skipWs();
        if (m.containsKey(k)) {
          throw error("duplicate key");
        }
        m.put(k, value(depth + 1));
        skipWs();
        char c = peek();
        pos++;
        if (c == '}') {
          return m;
        }
        if (c != ',') {
          throw error("expected ',' or '}'");
        }
      }
    }

    List<Object> array(int depth) {
      pos++;
      List<Object> l = new ArrayList<>();
      skipWs();
      if (peek() == ']') {
        pos++;
        return Collections.unmodifiableList(l);
      }
      while (true) {
        skipWs();
        l.add(value(depth + 1));
        skipWs();
        char c = peek();
        pos++;
        if (c == ']') {
          return Collections.unmodifiableList(l);
        }
        if (c != ',') {
          throw error("expected ',' or ']'");
        }
      }
    }

    String string() {
      pos++;
      StringBuilder sb = new StringBuilder();
      while (true) {
        char c = peek();
        pos++;
        if (c == '"') {
          return sb.toString();
        }
        if (c < 0x20) {
          throw error("control character in string");
        }
        if (c != '\\') {
          sb.append(c);
          continue;
        }
        char e = peek();
        pos++;
        switch (e) {
          case '"' -> sb.append('"');
          case '\\' -> sb.append('\\');
          case '/' -> sb.append('/');
          case 'b' -> sb.append('\b');
          case 'f' -> sb.append('\f');
          case 'n' -> sb.append('\n');
          case 'r' -> sb.append('\r');
          case 't' -> sb.append('\t');
          case 'u' -> {
            if (pos + 4 > s.length()) {
              throw error("truncated \\u escape");
            }
            int cp = 0;
            for (int i = 0; i < 4; i++) {
              int d = Character.digit(s.charAt(pos + i), 16);
              if (d < 0) {
                throw error("bad \\u escape");
              }
              cp = cp << 4 | d;
            }
            pos += 4;
            sb.append((char) cp);
          }
          default -> throw error("bad escape");
        }
      }
    }

    Object number() {
      int start = pos;
      if (s.charAt(pos) == '-') {
        pos++;
      }
      int intStart = pos;
      while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
        pos++;
      }
      if (pos == intStart) {
        throw error("bad number");
      }
      if (s.charAt(intStart) == '0' && pos - intStart > 1) {
        throw error("leading zero");
      }
      boolean integral = true;
      if (pos < s.length() && s.charAt(pos) == '.') {
        integral = false;
        pos++;
        int fs = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
          pos++;
        }
        if (pos == fs) {
          throw error("bad fraction");
        }
      }
      if (pos < s.length() && (s.charAt(pos) == 'e' || s.charAt(pos) == 'E')) {
        integral = false;
        pos++;
        if (pos < s.length() && (s.charAt(pos) == '+' || s.charAt(pos) == '-')) {
          pos++;
        }
        int es = pos;
        while (pos < s.length() && s.charAt(pos) >= '0' && s.charAt(pos) <= '9') {
          pos++;
        }
        if (pos == es || pos - es > 4) {
          throw error("bad exponent");
        }
      }
      String t = s.substring(start, pos);
      if (integral && t.length() <= 19) {
        try {
          return Long.parseLong(t);
        } catch (NumberFormatException e) {
          // falls through to double for out-of-range integers
        }
      }
      if (t.length() > 64) {
        throw error("number too long");
      }
      return Double.parseDouble(t);
    }
  }
}
