package org.latticefs.fs.core;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.latticefs.kv.KeyBytes;

/**
 * Names of unsaved copies: what {@code report.txt}'s failed last commit at 14:03:07 UTC would have
 * stored is saved as {@code report.txt.unsaved-20261130T140307Z} beside it ({@code -2}, {@code -3}…
 * when taken). The original name is shortened when the whole would pass 255 bytes.
 */
final class UnsavedNames {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private UnsavedNames() {}

  /** The name for {@code original}'s content unsaved at {@code when}; {@code duplicate} from 1. */
  static String name(String original, Instant when, int duplicate) {
    String suffix = ".unsaved-" + TIME.format(when) + (duplicate > 1 ? "-" + duplicate : "");
    String base = original;
    while (!base.isEmpty()
        && KeyBytes.encodedLength(base) + suffix.length() > PathResolver.NAME_MAX) {
      base = base.substring(0, base.offsetByCodePoints(base.length(), -1));
    }
    return base + suffix;
  }
}
