package org.latticefs.fs.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.latticefs.kv.Hlc;
import org.latticefs.kv.NodeId;

/**
 * Names of conflict copies: the losing version of {@code report.pdf}, written by node {@code
 * 3fa9c2e1…} at 14:03:07 UTC, is shown as {@code report.conflict-3fa9c2e1-20261130T140307Z.pdf}
 * beside the winner. Names without an extension (or dot files) get the suffix at the end. When two
 * losers would get the same name, the later ones get {@code -2}, {@code -3}… before the extension.
 */
public final class ConflictNames {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);
  private static final Pattern PATTERN =
      Pattern.compile("^(.+)\\.conflict-[0-9a-f]{8}-\\d{8}T\\d{6}Z(?:-\\d+)?(\\.[^.]*)?$");

  private ConflictNames() {}

  /** The conflict-copy name for {@code original}; {@code duplicate} is 1 for the first. */
  public static String name(String original, NodeId author, Hlc hlc, int duplicate) {
    String node = java.util.HexFormat.of().formatHex(author.publicKey()).substring(0, 8);
    String time = TIME.format(Instant.ofEpochMilli(hlc.physicalMillis()));
    int dot = original.lastIndexOf('.');
    String base = original;
    String ext = "";
    if (dot > 0 && dot < original.length() - 1) {
      base = original.substring(0, dot);
      ext = original.substring(dot);
    }
    String dup = duplicate > 1 ? "-" + duplicate : "";
    return base + ".conflict-" + node + "-" + time + dup + ext;
  }

  /** The original name a conflict-copy name was derived from, if it has that shape. */
  public static Optional<String> original(String name) {
    Matcher m = PATTERN.matcher(name);
    if (!m.matches()) {
      return Optional.empty();
    }
    return Optional.of(m.group(1) + (m.group(2) == null ? "" : m.group(2)));
  }
}
